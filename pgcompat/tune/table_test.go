package tune_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/smallworld-go/smallworld/pgcompat/tune"
)

func TestLoadTableFromPgvector(t *testing.T) {
	srv := oracle.Server(t)
	conn := srv.Conn(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exec := func(sql string) {
		t.Helper()
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	exec(`CREATE SCHEMA IF NOT EXISTS tune_t`)
	exec(`CREATE TABLE tune_t."My Items" (id bigint, v vector(3), h halfvec(3), s sparsevec(5), loose vector, note text)`)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), `DROP SCHEMA tune_t CASCADE`) })
	exec(`INSERT INTO tune_t."My Items" VALUES
		(10, '[1,2,3]', '[1.5,-2,0.333]', '{1:1,5:-2}/5', '[1,2]', 'a'),
		(11, NULL, NULL, NULL, '[3,4]', 'b'),
		(12, '[0.1,1e-7,-3e20]', '[65504,0,-0.0001]', '{}/5', '[5,6,7]', 'c'),
		(13, '[4,5,6]', '[4,5,6]', '{3:7}/5', '[8,9,10]', 'd')`)

	src := tune.TableSource{DSN: srv.DSN(), Table: `tune_t."My Items"`, Column: "v", IDColumn: "id"}
	var seen int64
	src.Progress = func(n int64) { seen = n }
	data, err := tune.LoadTable(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, int64(4), seen)
	assert.Equal(t, "vector", data.Type)
	assert.Equal(t, "vector(3)", data.Declared)
	assert.Equal(t, int64(1), data.Nulls)
	assert.Equal(t, []string{"10", "12", "13"}, data.IDs)
	assert.Equal(t, []float32{1, 2, 3, 0.1, 1e-7, -3e20, 4, 5, 6}, data.Vectors.Data, "binary transfer is exact")
	assert.Equal(t, `tune_t."My Items"`, data.Table)

	src.Column, src.IDColumn = "h", ""
	data, err = tune.LoadTable(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, "halfvec", data.Type)
	assert.Equal(t, []float32{1.5, -2, 0.33300781, 65504, 0, -0.000100016594, 4, 5, 6}, data.Vectors.Data)
	assert.Nil(t, data.IDs)

	src.Column = "s"
	data, err = tune.LoadTable(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, "sparsevec", data.Type)
	assert.Equal(t, 5, data.Vectors.Dim)
	assert.Equal(t, []float32{1, 0, 0, 0, -2, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0}, data.Vectors.Data)

	src.Column, src.Where, src.Limit = "v", "id >= 12", 1
	data, err = tune.LoadTable(ctx, src)
	require.NoError(t, err)
	assert.Equal(t, []float32{0.1, 1e-7, -3e20}, data.Vectors.Data)

	// Rows of another dimension in a column without a typmod.
	src.Column, src.Where, src.Limit = "loose", "", 0
	_, err = tune.LoadTable(ctx, src)
	var ie *tune.InputError
	require.True(t, errors.As(err, &ie), "%v", err)
	assert.ErrorIs(t, err, tune.ErrDimension)
	assert.Equal(t, 2, ie.Row)
	assert.Equal(t, 2, ie.Count)

	src.Column = "note"
	_, err = tune.LoadTable(ctx, src)
	assert.ErrorIs(t, err, tune.ErrUnsupported)
	assert.ErrorContains(t, err, "is of type text")

	src.Column = "nope"
	_, err = tune.LoadTable(ctx, src)
	assert.ErrorIs(t, err, tune.ErrInvalidSpec)

	src.Column, src.Where = "v", "id > 100"
	_, err = tune.LoadTable(ctx, src)
	assert.ErrorIs(t, err, tune.ErrEmpty)

	src.Table = "tune_t.missing"
	_, err = tune.LoadTable(ctx, src)
	assert.ErrorContains(t, err, `relation "tune_t.missing" does not exist`)

	_, err = tune.LoadTable(ctx, tune.TableSource{DSN: srv.DSN(), Table: "a.b.c", Column: "v"})
	assert.ErrorIs(t, err, tune.ErrInvalidSpec)
}
