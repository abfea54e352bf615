package bench

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// maxDim bounds the dimension any reader accepts. It is far above any
// embedding in use (pgvector stops at 16,000 for vector and 64,000 for bit)
// and keeps a corrupt length field from turning into a huge allocation.
const maxDim = 1 << 20

// maxGzipRatio is the best compression deflate can reach (about 1032:1).
// A gzip trailer's size field is only a claim; capped by this ratio it is a
// safe size hint.
const maxGzipRatio = 1032

// input is an opened dataset file: its decompressed byte stream, and how
// many bytes that stream holds (exactly for a plain file, an upper-bounded
// estimate for gzip, −1 when unknown).
type input struct {
	r        io.Reader
	size     int64
	exact    bool
	closeFns []func() error
}

func (in *input) Close() error {
	var errs []error
	for i := len(in.closeFns) - 1; i >= 0; i-- {
		errs = append(errs, in.closeFns[i]())
	}
	return errors.Join(errs...)
}

// openInput opens path and, if it starts with the gzip magic number,
// decompresses it. A name ending in .gz that is not gzip is an error.
func openInput(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	in := &input{size: -1, closeFns: []func() error{f.Close}}
	fi, err := f.Stat()
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("bench: %w", err)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(2)
	_, gzName, _ := FormatOf(path)
	isGzip := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	switch {
	case isGzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			in.Close()
			return nil, &FormatError{Path: path, Row: -1, Err: fmt.Errorf("%w: gzip: %w", ErrHeader, err)}
		}
		in.closeFns = append(in.closeFns, zr.Close)
		in.r = bufio.NewReaderSize(zr, 1<<20)
		in.size = gzipSizeHint(f, fi.Size())
	case gzName && fi.Mode().IsRegular() && fi.Size() > 0:
		in.Close()
		return nil, &FormatError{Path: path, Row: -1, Err: fmt.Errorf("%w: name ends in .gz but the file is not gzip", ErrHeader)}
	default:
		in.r = br
		if fi.Mode().IsRegular() {
			in.size, in.exact = fi.Size(), true
		}
	}
	return in, nil
}

// gzipSizeHint reads the uncompressed size from a gzip trailer (the size
// modulo 2^32 of the last member) and caps it at what deflate could produce
// from the compressed size, so a forged trailer cannot cause a big
// allocation.
func gzipSizeHint(f *os.File, compressed int64) int64 {
	if compressed < 18 {
		return -1
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], compressed-4); err != nil {
		return -1
	}
	return min(int64(binary.LittleEndian.Uint32(tail[:])), compressed*maxGzipRatio)
}

// readFullGrow reads exactly n bytes into buf[:n], growing buf as the data
// arrives rather than up front, so a length field that lies costs at most
// what the stream really holds. It returns the (possibly new) buffer, the
// number of bytes read, and io.ErrUnexpectedEOF (or io.EOF for zero bytes)
// if the stream ends early.
func readFullGrow(r io.Reader, buf []byte, n int) ([]byte, int, error) {
	const step = 1 << 20
	if cap(buf) >= n || n <= step {
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		got, err := io.ReadFull(r, buf[:n])
		return buf, got, err
	}
	buf = buf[:0]
	for len(buf) < n {
		chunk := min(step, n-len(buf))
		buf = append(buf, make([]byte, chunk)...)
		got, err := io.ReadFull(r, buf[len(buf)-chunk:])
		if err != nil {
			total := len(buf) - chunk + got
			if total > 0 && err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return buf, total, err
		}
	}
	return buf, n, nil
}
