package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// debianFashionMNIST is where the Debian package dataset-fashion-mnist puts
// its files.
const debianFashionMNIST = "/usr/share/datasets/fashion-mnist"

func TestIDXDebianFashionMNIST(t *testing.T) {
	path := filepath.Join(debianFashionMNIST, "t10k-images-idx3-ubyte.gz")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("%s not present (apt-get install dataset-fashion-mnist to run this test)", path)
	}
	r, err := Open(path)
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, 784, r.Dim())
	m, err := ReadAll(r)
	require.NoError(t, err)
	assert.Equal(t, 10000, m.Len())
	bad := 0
	for _, x := range m.Data {
		if x < 0 || x > 255 || x != float32(int(x)) {
			bad++
		}
	}
	assert.Zero(t, bad, "pixels outside the bytes 0–255")

	labels, err := Load(filepath.Join(debianFashionMNIST, "t10k-labels-idx1-ubyte.gz"))
	require.NoError(t, err)
	assert.Equal(t, 1, labels.Dim)
	assert.Equal(t, 10000, labels.Len())

	// The shared .fvecs copy was made from these files: same vectors.
	if testing.Short() {
		return
	}
	if dir := os.Getenv("SMALLWORLD_DATASETS"); dir != "" || fileExists(filepath.Join("..", "..", "shared", "datasets")) {
		q, err := Load(filepath.Join(sharedDatasets(t, "fashion-mnist"), "fashion-mnist_query.fvecs.gz"))
		require.NoError(t, err)
		assert.Equal(t, q.Data, m.Data)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
