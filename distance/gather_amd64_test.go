//go:build !purego

package distance

import "unsafe"

type gatherVariant struct {
	name string
	fn   BatchFunc
}

// gatherVariants returns the amd64-only strategies the gather benchmark
// compares with the batch kernel: a Go loop that prefetches like the batch
// kernels (two vectors ahead, one line per 512 bytes) through a separate
// assembly call before calling the pair kernel, and the batch kernel called
// one id at a time (the same assembly, but with nothing to prefetch).
func gatherVariants(k *Kernels) []gatherVariant {
	if k.ISA == Generic {
		return nil
	}
	return []gatherVariant{
		{"pairloop+prefetch", func(q, arena []float32, stride int, ids []uint32, out []float32) {
			dim := len(q)
			if len(ids) > 1 {
				prefetchFloats((*float32)(unsafe.Pointer(&arena[int(ids[1])*stride])), dim)
			}
			for i, id := range ids {
				if i+2 < len(ids) {
					prefetchFloats((*float32)(unsafe.Pointer(&arena[int(ids[i+2])*stride])), dim)
				}
				off := int(id) * stride
				out[i] = k.Dot(q, arena[off:off+dim])
			}
		}},
		{"batch1", func(q, arena []float32, stride int, ids []uint32, out []float32) {
			for i := range ids {
				k.DotBatch(q, arena, stride, ids[i:i+1], out[i:i+1])
			}
		}},
	}
}
