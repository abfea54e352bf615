package bench

import (
	"fmt"
	"strings"
)

// Metric is a distance function over vectors. Smaller is nearer for every
// metric, so inner product is ranked by its negation, as pgvector's <#>.
type Metric uint8

// The metrics ground truth and recall understand.
const (
	// L2 is Euclidean distance. Ground truth reports it squared, Σ(aᵢ−bᵢ)²,
	// which ranks the same and is what the kernels compute.
	L2 Metric = iota
	// InnerProduct ranks by the negative inner product −Σaᵢbᵢ, the value
	// pgvector's <#> operator returns.
	InnerProduct
	// Cosine is the cosine distance 1 − a·b/(‖a‖‖b‖). A zero vector has no
	// direction: its distance to anything is NaN, and it ranks last.
	Cosine
	// L1 is the Manhattan distance Σ|aᵢ−bᵢ|.
	L1
	// Hamming counts differing bits of bit vectors; see [GroundTruthHamming].
	Hamming
)

// String returns the metric's canonical name: l2, ip, cosine, l1 or hamming.
func (m Metric) String() string {
	switch m {
	case L2:
		return "l2"
	case InnerProduct:
		return "ip"
	case Cosine:
		return "cosine"
	case L1:
		return "l1"
	case Hamming:
		return "hamming"
	}
	return fmt.Sprintf("Metric(%d)", uint8(m))
}

// DistanceName describes the value ground truth reports for the metric, for
// reports and JSON summaries: "squared_l2", "negative_inner_product", ...
func (m Metric) DistanceName() string {
	switch m {
	case L2:
		return "squared_l2"
	case InnerProduct:
		return "negative_inner_product"
	case Cosine:
		return "cosine_distance"
	case L1:
		return "l1"
	case Hamming:
		return "hamming"
	}
	return m.String()
}

// MarshalText implements encoding.TextMarshaler with the canonical name.
func (m Metric) MarshalText() ([]byte, error) {
	if m > Hamming {
		return nil, fmt.Errorf("bench: invalid metric %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler using [ParseMetric].
func (m *Metric) UnmarshalText(b []byte) error {
	v, err := ParseMetric(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMetric parses a metric name, case-insensitively. It accepts
// l2/euclidean, ip/inner_product/dot, cosine, l1/manhattan/taxicab and
// hamming, and the pgvector operator class names (vector_l2_ops,
// vector_ip_ops, vector_cosine_ops, vector_l1_ops, bit_hamming_ops).
func ParseMetric(s string) (Metric, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	name = strings.TrimPrefix(name, "vector_")
	name = strings.TrimPrefix(name, "halfvec_")
	name = strings.TrimPrefix(name, "bit_")
	name = strings.TrimSuffix(name, "_ops")
	switch name {
	case "l2", "euclidean", "l2sq", "squared_l2", "<->":
		return L2, nil
	case "ip", "inner_product", "innerproduct", "dot", "negative_inner_product", "<#>":
		return InnerProduct, nil
	case "cosine", "cos", "angular", "<=>":
		return Cosine, nil
	case "l1", "manhattan", "taxicab", "<+>":
		return L1, nil
	case "hamming", "<~>":
		return Hamming, nil
	}
	return 0, fmt.Errorf("bench: unknown metric %q (want l2, ip, cosine, l1 or hamming)", s)
}
