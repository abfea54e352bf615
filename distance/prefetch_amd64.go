//go:build !purego

package distance

// prefetchFloats is in prefetch_amd64.s.
//
//go:noescape
func prefetchFloats(p *float32, n int)
