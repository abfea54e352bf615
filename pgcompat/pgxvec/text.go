package pgxvec

import (
	"fmt"
	"strconv"
	"strings"
)

// appendFloat appends x in the shortest form that reads back as the same
// float32 ("1e-30" rather than pgvector-go's 31 digits).
func appendFloat(buf []byte, x float32) []byte {
	return strconv.AppendFloat(buf, float64(x), 'g', -1, 32)
}

// appendFloatList appends the text form of a vector or halfvec, [x,y,...].
func appendFloatList(buf []byte, xs []float32) []byte {
	buf = append(buf, '[')
	for i, x := range xs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendFloat(buf, x)
	}
	return append(buf, ']')
}

// parseFloatList parses the text form of a vector or halfvec as the server
// prints it. It returns a non-nil slice, so that "[]" is not read as NULL.
func parseFloatList(s, name string) ([]float32, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, malformed(name, "%q is not in brackets", s)
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return []float32{}, nil
	}
	xs := make([]float32, 0, strings.Count(body, ",")+1)
	for tok := range strings.SplitSeq(body, ",") {
		x, err := parseFloat(tok)
		if err != nil {
			return nil, fmt.Errorf("%w %s: element %d: %w", ErrMalformed, name, len(xs), err)
		}
		xs = append(xs, x)
	}
	return xs, nil
}

// parseFloat parses one element. A value beyond float32's range is an
// error: the server never prints one.
func parseFloat(tok string) (float32, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(tok), 32)
	return float32(f), err
}
