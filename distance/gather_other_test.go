//go:build !amd64 || purego

package distance

type gatherVariant struct {
	name string
	fn   BatchFunc
}

// gatherVariants: without assembly there is nothing beyond the batch kernel
// and the pair loop to compare.
func gatherVariants(*Kernels) []gatherVariant { return nil }
