package bench

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
)

// siftsmallFS holds SIFT-small as gzip-compressed .bvecs (one byte per
// value, lossless for SIFT) and its .ivecs ground truth: about 1 MB.
//
//go:embed data/siftsmall/*.gz
var siftsmallFS embed.FS

// SIFT-small's shape.
const (
	SIFTSmallBase    = 10000
	SIFTSmallQueries = 100
	SIFTSmallDim     = 128
	SIFTSmallK       = 100
)

// SIFTSmall returns the SIFT-small dataset built into this package: 10,000
// base and 100 query vectors of 128 dimensions (integers 0–255 stored as
// float32), and for each query the ids of its 100 nearest base vectors under
// L2, nearest first, as shipped with the dataset (TEXMEX ANN_SIFT10K, INRIA;
// see data/siftsmall/README.md for source and licence).
//
// Every call decodes a fresh copy (about 5 MB), which the caller owns.
func SIFTSmall() (base, queries *Matrix, truth [][]int32, err error) {
	if base, err = loadEmbedded("siftsmall_base.bvecs.gz", FormatBvecs); err != nil {
		return nil, nil, nil, err
	}
	if queries, err = loadEmbedded("siftsmall_query.bvecs.gz", FormatBvecs); err != nil {
		return nil, nil, nil, err
	}
	r, err := openEmbedded("siftsmall_groundtruth.ivecs.gz")
	if err != nil {
		return nil, nil, nil, err
	}
	if truth, err = ReadIvecs(r, "siftsmall_groundtruth.ivecs"); err != nil {
		return nil, nil, nil, err
	}
	if base.Len() != SIFTSmallBase || queries.Len() != SIFTSmallQueries || len(truth) != SIFTSmallQueries {
		return nil, nil, nil, fmt.Errorf("bench: built-in SIFT-small has the wrong shape")
	}
	return base, queries, truth, nil
}

// SIFTSmallTruth returns SIFT-small's shipped ground truth as a Truth of
// metric L2 without distances (the file carries ids only). Use
// [GroundTruth] for distances and ties.
func SIFTSmallTruth() (*Truth, error) {
	r, err := openEmbedded("siftsmall_groundtruth.ivecs.gz")
	if err != nil {
		return nil, err
	}
	ids, err := ReadIvecs(r, "siftsmall_groundtruth.ivecs")
	if err != nil {
		return nil, err
	}
	return &Truth{K: SIFTSmallK, Metric: L2, IDs: ids}, nil
}

func openEmbedded(name string) (io.Reader, error) {
	raw, err := siftsmallFS.ReadFile("data/siftsmall/" + name)
	if err != nil {
		return nil, fmt.Errorf("bench: built-in data: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("bench: built-in data %s: %w", name, err)
	}
	return zr, nil
}

func loadEmbedded(name string, f Format) (*Matrix, error) {
	r, err := openEmbedded(name)
	if err != nil {
		return nil, err
	}
	var vr VectorReader
	switch f {
	case FormatBvecs:
		vr = NewBvecsReader(r, name)
	default:
		return nil, fmt.Errorf("bench: built-in data %s: %w", name, ErrUnsupported)
	}
	return ReadAll(vr)
}
