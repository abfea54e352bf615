//go:build !unix

package bench

import "time"

// processCPU is not available here; speed tests report wall time only.
func processCPU() time.Duration { return 0 }
