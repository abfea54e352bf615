package pgxvec

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/pgvector/pgvector-go"
)

// vector and halfvec share their formats except for the elements: in
// binary, uint16 dimensions, uint16 unused (0), then the elements
// big-endian, float32 for vector and binary16 for halfvec; in text,
// [x,y,...]. newDenseCodec builds either codec from what differs.

// denseElems is what tells vector and halfvec apart on the wire.
type denseElems struct {
	size int // bytes per element in binary
	// append appends xs in binary, failing on an element the format
	// cannot hold.
	append func(buf []byte, xs []float32) ([]byte, error)
	// read fills xs from len(xs)*size bytes of src.
	read func(xs []float32, src []byte)
}

// newVectorCodec returns the codec of pgvector's vector.
func newVectorCodec() *codec[[]float32] {
	return newDenseCodec("vector", pgvector.NewVector, vectorElems())
}

// vectorElems describes vector's float32 elements.
func vectorElems() denseElems { return denseElems{size: 4, append: appendFloat32s, read: readFloat32s} }

// newHalfvecCodec returns the codec of pgvector's halfvec.
func newHalfvecCodec() *codec[[]float32] {
	return newDenseCodec("halfvec", pgvector.NewHalfVector, halfvecElems())
}

// halfvecElems describes halfvec's binary16 elements.
func halfvecElems() denseElems { return denseElems{size: 2, append: appendHalves, read: readHalves} }

// newDenseCodec returns the codec of a dense type whose pgvector-go type is
// V, built by wrap.
func newDenseCodec[V interface{ Slice() []float32 }](name string, wrap func([]float32) V, elems denseElems) *codec[[]float32] {
	return &codec[[]float32]{
		name: name,
		param: func(value any) ([]float32, bool) {
			switch v := value.(type) {
			case V:
				return v.Slice(), true
			case []float32:
				return v, true
			}
			return nil, false
		},
		appendBinary: func(buf []byte, xs []float32) ([]byte, error) { return appendDenseBinary(buf, name, elems, xs) },
		appendText:   appendFloatList,
		decodeBinary: func(src []byte) ([]float32, error) { return decodeDenseBinary(src, name, elems) },
		decodeText:   func(src string) ([]float32, error) { return parseFloatList(src, name) },
		goValue:      func(xs []float32) any { return wrap(xs) },
		scanTo: func(target any) (func(any, []float32), func(any) error, bool) {
			switch target.(type) {
			case *V:
				return func(t any, xs []float32) { *t.(*V) = wrap(xs) }, refuseNull, true
			case *[]float32:
				return func(t any, xs []float32) { *t.(*[]float32) = xs },
					func(t any) error { *t.(*[]float32) = nil; return nil }, true
			}
			return nil, nil, false
		},
	}
}

// appendDenseBinary appends the binary form of xs.
func appendDenseBinary(buf []byte, name string, elems denseElems, xs []float32) ([]byte, error) {
	if len(xs) > math.MaxUint16 {
		return nil, fmt.Errorf("pgxvec: %s has %d dimensions, more than the binary format's %d", name, len(xs), math.MaxUint16)
	}
	buf = slices.Grow(buf, 4+elems.size*len(xs))
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(xs)))
	buf = binary.BigEndian.AppendUint16(buf, 0)
	return elems.append(buf, xs)
}

// decodeDenseBinary decodes a binary message, whose length must be exactly
// what its header announces.
func decodeDenseBinary(src []byte, name string, elems denseElems) ([]float32, error) {
	if len(src) < 4 {
		return nil, malformed(name, "%d bytes, shorter than the 4-byte header", len(src))
	}
	dim := int(binary.BigEndian.Uint16(src))
	if unused := binary.BigEndian.Uint16(src[2:]); unused != 0 {
		return nil, malformed(name, "unused header field is %d, want 0", unused)
	}
	if len(src)-4 != elems.size*dim {
		return nil, malformed(name, "%d bytes for %d dimensions", len(src), dim)
	}
	xs := make([]float32, dim)
	elems.read(xs, src[4:])
	return xs, nil
}

func appendFloat32s(buf []byte, xs []float32) ([]byte, error) {
	for _, x := range xs {
		buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(x))
	}
	return buf, nil
}

func readFloat32s(xs []float32, src []byte) {
	for i := range xs {
		xs[i] = math.Float32frombits(binary.BigEndian.Uint32(src[4*i:]))
	}
}

// appendHalves rounds xs to binary16. A finite element too large for
// binary16 is an error rather than infinity: pgx then falls back to the
// text format and the server reports the overflow in its own words.
func appendHalves(buf []byte, xs []float32) ([]byte, error) {
	for i, x := range xs {
		h, ok := Float16Bits(x)
		if !ok {
			return nil, fmt.Errorf("pgxvec: halfvec element %d (%v) is out of range for binary16", i, x)
		}
		buf = binary.BigEndian.AppendUint16(buf, h)
	}
	return buf, nil
}

func readHalves(xs []float32, src []byte) {
	for i := range xs {
		xs[i] = Float16FromBits(binary.BigEndian.Uint16(src[2*i:]))
	}
}
