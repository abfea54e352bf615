package hnsw

import "strconv"

// rangeString formats an inclusive integer range as "lo..hi".
func rangeString(lo, hi int) string { return strconv.Itoa(lo) + ".." + strconv.Itoa(hi) }

// itoa formats an int.
func itoa(i int) string { return strconv.Itoa(i) }
