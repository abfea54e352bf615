package pgxvec

import (
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pgvector/pgvector-go"
)

// BenchmarkCodecs times encoding and decoding a 768-dimensional embedding,
// the per-row cost of smallworld export's COPY and of reading a table, in
// both formats; wire-bytes/row compares their sizes.
func BenchmarkCodecs(b *testing.B) {
	xs := randomFloats(rand.New(rand.NewPCG(4, 4)), 768)
	m := pgtype.NewMap()
	for _, tc := range []struct {
		name  string
		codec *codec[[]float32]
		value any
	}{
		{"vector", newVectorCodec(), pgvector.NewVector(xs)},
		{"halfvec", newHalfvecCodec(), pgvector.NewHalfVector(xs)},
	} {
		for _, format := range []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode} {
			name := tc.name + map[int16]string{pgtype.BinaryFormatCode: "-binary", pgtype.TextFormatCode: "-text"}[format]
			plan := tc.codec.PlanEncode(m, 0, format, tc.value)
			wire, err := plan.Encode(tc.value, nil)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("encode-"+name, func(b *testing.B) {
				buf := make([]byte, 0, 2*len(wire))
				b.SetBytes(int64(4 * len(xs)))
				b.ReportAllocs()
				for b.Loop() {
					if buf, err = plan.Encode(tc.value, buf[:0]); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(wire)), "wire-bytes/row")
			})
			b.Run("decode-"+name, func(b *testing.B) {
				var dst []float32
				scan := tc.codec.PlanScan(m, 0, format, &dst)
				b.SetBytes(int64(4 * len(xs)))
				b.ReportAllocs()
				for b.Loop() {
					if err := scan.Scan(wire, &dst); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
