package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The sha256 of the original float32 files (see data/siftsmall/README.md).
const (
	siftBaseSHA  = "1e90414a3254361aba48a0d58e461f7661fb135dabb3da985290e94de8f60fe0"
	siftQuerySHA = "095af38bda2741be721447ba97e9286fa918ece946be92a9ae133276eddc1a10"
	siftTruthSHA = "b0717bf276111a166f14dcc2653fd04465b2afd6d34c72be641b622cf99f95ae"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestSIFTSmallEmbeddedIsLossless(t *testing.T) {
	base, queries, truth, err := SIFTSmall()
	require.NoError(t, err)
	assert.Equal(t, SIFTSmallDim, base.Dim)
	assert.Equal(t, SIFTSmallBase, base.Len())
	assert.Equal(t, SIFTSmallQueries, queries.Len())
	require.Len(t, truth, SIFTSmallQueries)
	// The first ground-truth row is the well-known one.
	assert.Equal(t, []int32{2176, 3752, 882, 4009, 2837}, truth[0][:5])

	// Re-encoded as float32 .fvecs, the built-in data is the original files
	// byte for byte.
	var b bytes.Buffer
	require.NoError(t, WriteFvecs(&b, base))
	assert.Equal(t, siftBaseSHA, sha(b.Bytes()), "base")
	b.Reset()
	require.NoError(t, WriteFvecs(&b, queries))
	assert.Equal(t, siftQuerySHA, sha(b.Bytes()), "queries")
	b.Reset()
	require.NoError(t, WriteIvecs(&b, truth))
	assert.Equal(t, siftTruthSHA, sha(b.Bytes()), "ground truth")

	tr, err := SIFTSmallTruth()
	require.NoError(t, err)
	assert.Equal(t, truth, tr.IDs)
}

func TestSIFTSmallAgainstSharedFiles(t *testing.T) {
	dir := sharedDatasets(t, "siftsmall")
	for name, want := range map[string]string{
		"siftsmall_base.fvecs":        siftBaseSHA,
		"siftsmall_query.fvecs":       siftQuerySHA,
		"siftsmall_groundtruth.ivecs": siftTruthSHA,
	} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, want, sha(raw), name)
	}
	base, queries, truth, err := SIFTSmall()
	require.NoError(t, err)
	fb, err := Load(filepath.Join(dir, "siftsmall_base.fvecs"))
	require.NoError(t, err)
	assert.Equal(t, fb.Data, base.Data)
	fq, err := Load(filepath.Join(dir, "siftsmall_query.fvecs"))
	require.NoError(t, err)
	assert.Equal(t, fq.Data, queries.Data)
	ft, err := LoadIvecs(filepath.Join(dir, "siftsmall_groundtruth.ivecs"))
	require.NoError(t, err)
	assert.Equal(t, ft, truth)
}
