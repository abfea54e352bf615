package bench

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format names a dataset file format.
type Format uint8

// The formats [Load], [Open] and [Save] know.
const (
	// FormatUnknown is the zero Format.
	FormatUnknown Format = iota
	// FormatFvecs is TEXMEX .fvecs: per vector an int32 d then d float32s.
	FormatFvecs
	// FormatIvecs is TEXMEX .ivecs: per vector an int32 d then d int32s.
	FormatIvecs
	// FormatBvecs is TEXMEX .bvecs: per vector an int32 d then d bytes.
	FormatBvecs
	// FormatNpy is a NumPy .npy array of shape (n, d) in C order.
	FormatNpy
	// FormatCSV is comma-separated numbers, one vector per line.
	FormatCSV
	// FormatTSV is tab-separated numbers, one vector per line.
	FormatTSV
	// FormatJSONL is JSON lines: one array (or object holding one) per line.
	FormatJSONL
	// FormatPgText is pgvector's text form, "[1,2,3]", one vector per line.
	FormatPgText
	// FormatIDX is the IDX format of MNIST and Fashion-MNIST.
	FormatIDX
)

var formatNames = [...]string{"unknown", "fvecs", "ivecs", "bvecs", "npy", "csv", "tsv", "jsonl", "pgvector", "idx"}

// String returns the format's short name, e.g. "fvecs".
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", uint8(f))
}

// ParseFormat parses a format name as String writes it; it also accepts
// the file extensions that [FormatOf] recognises ("ndjson", "txt", ...).
func ParseFormat(s string) (Format, error) {
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "."))
	for f, n := range formatNames {
		if f > 0 && n == name {
			return Format(f), nil
		}
	}
	if f := formatByExt[name]; f != FormatUnknown {
		return f, nil
	}
	return FormatUnknown, fmt.Errorf("bench: %w: unknown format %q", ErrUnsupported, s)
}

var formatByExt = map[string]Format{
	"fvecs": FormatFvecs, "ivecs": FormatIvecs, "bvecs": FormatBvecs,
	"npy": FormatNpy, "csv": FormatCSV, "tsv": FormatTSV, "tab": FormatTSV,
	"jsonl": FormatJSONL, "ndjson": FormatJSONL,
	"txt": FormatPgText, "pgvector": FormatPgText, "vec": FormatPgText,
	"idx": FormatIDX,
}

// FormatOf infers a file's format from its name, and whether the name says
// it is gzip-compressed (a final ".gz"). IDX files are recognised by the
// MNIST naming habit, "...-idx3-ubyte" (any digit, "-" or "."), or by a
// ".idx" extension.
func FormatOf(path string) (f Format, gzipped bool, err error) {
	name := strings.ToLower(filepath.Base(path))
	if strings.HasSuffix(name, ".gz") {
		gzipped = true
		name = strings.TrimSuffix(name, ".gz")
	}
	if isIDXName(name) {
		return FormatIDX, gzipped, nil
	}
	ext := strings.TrimPrefix(filepath.Ext(name), ".")
	if f := formatByExt[ext]; f != FormatUnknown {
		return f, gzipped, nil
	}
	return FormatUnknown, gzipped, fmt.Errorf("bench: %s: %w: cannot tell the format from the name (want .fvecs, .ivecs, .bvecs, .npy, .csv, .tsv, .jsonl, .txt or *-idxN-ubyte, optionally .gz)", path, ErrUnsupported)
}

// isIDXName reports whether a (lower-case, .gz-less) base name follows the
// MNIST convention "*-idxN-ubyte" or "*.idxN-ubyte".
func isIDXName(name string) bool {
	if !strings.HasSuffix(name, "-ubyte") {
		return false
	}
	stem := strings.TrimSuffix(name, "-ubyte")
	i := strings.LastIndex(stem, "idx")
	return i >= 0 && len(stem) == i+4 && stem[i+3] >= '0' && stem[i+3] <= '9'
}
