package pgcompat

import "fmt"

// Defaults and ranges of the HNSW index options (reloptions) and of
// hnsw.ef_search.
const (
	DefaultM              = 16   // m when WITH does not set it
	MinM                  = 2    // smallest m
	MaxM                  = 100  // largest m
	DefaultEfConstruction = 64   // ef_construction when WITH does not set it
	MinEfConstruction     = 4    // smallest ef_construction
	MaxEfConstruction     = 1000 // largest ef_construction
	DefaultEfSearch       = 40   // hnsw.ef_search's default
	MinEfSearch           = 1    // smallest hnsw.ef_search
	MaxEfSearch           = 1000 // largest hnsw.ef_search
)

// HNSWOptions are the options of an HNSW index: WITH (m = …, ef_construction = …).
type HNSWOptions struct {
	M              int // max connections per layer (2m on layer 0), 2..100
	EfConstruction int // candidate list size while building, 4..1000
}

// DefaultHNSWOptions returns pgvector's defaults, m = 16 and
// ef_construction = 64.
func DefaultHNSWOptions() HNSWOptions {
	return HNSWOptions{M: DefaultM, EfConstruction: DefaultEfConstruction}
}

// RelOption is one element of a WITH (...) list as written: name = value,
// possibly namespace.name, possibly without a value.
type RelOption struct {
	Namespace string // "" unless written namespace.name
	Name      string
	Value     string // the value as PostgreSQL turns it into text ("true" when absent)
	HasValue  bool
}

// String writes the option back as SQL.
func (o RelOption) String() string {
	n := quoteIdentIfNeeded(o.Name)
	if o.Namespace != "" {
		n = quoteIdentIfNeeded(o.Namespace) + "." + n
	}
	if !o.HasValue {
		return n
	}
	return n + " = " + quoteLiteral(o.Value)
}

// ParseHNSWOptions validates a WITH list for an HNSW index as PostgreSQL
// and pgvector do, in their order: any namespace first
// ("unrecognized parameter namespace"), then each option in the order
// written ("unrecognized parameter", "specified more than once",
// "invalid value for integer option", "value … out of bounds"). Fractional
// values are rounded half to even (m = 2.5 is 2); the messages quote the
// value as written.
func ParseHNSWOptions(opts []RelOption) (HNSWOptions, error) {
	out := DefaultHNSWOptions()
	for _, o := range opts {
		if o.Namespace != "" {
			return out, newError(InvalidParameterValue, "unrecognized parameter namespace \""+o.Namespace+"\"")
		}
		for i := 0; i < len(o.Name); i++ {
			if o.Name[i] == '=' {
				return out, newError(InvalidParameterValue, "invalid option name \""+o.Name+"\": must not contain \"=\"")
			}
		}
	}
	seenM, seenEf := false, false
	for _, o := range opts {
		v := o.Value
		if !o.HasValue {
			v = "true"
		}
		var lo, hi int
		var target *int
		switch o.Name {
		case "m":
			if seenM {
				return out, newError(InvalidParameterValue, "parameter \"m\" specified more than once")
			}
			seenM, lo, hi, target = true, MinM, MaxM, &out.M
		case "ef_construction":
			if seenEf {
				return out, newError(InvalidParameterValue, "parameter \"ef_construction\" specified more than once")
			}
			seenEf, lo, hi, target = true, MinEfConstruction, MaxEfConstruction, &out.EfConstruction
		default:
			return out, newError(InvalidParameterValue, "unrecognized parameter \""+o.Name+"\"")
		}
		n, _, ok := parseIntGUC(v, unitNone)
		if !ok {
			return out, newError(InvalidParameterValue, fmt.Sprintf("invalid value for integer option \"%s\": %s", o.Name, v))
		}
		if n < lo || n > hi {
			return out, &Error{
				Code:    InvalidParameterValue,
				Message: fmt.Sprintf("value %s out of bounds for option \"%s\"", v, o.Name),
				Detail:  fmt.Sprintf("Valid values are between \"%d\" and \"%d\".", lo, hi),
			}
		}
		*target = n
	}
	return out, nil
}

// CheckBuild is the check an index build makes of its options before
// reading any row: ef_construction must be at least 2·m (pgvector tests
// ef_construction/2 < m in integer arithmetic). ALTER INDEX … SET skips it;
// a later REINDEX applies it.
func (o HNSWOptions) CheckBuild() error {
	if o.EfConstruction/2 < o.M {
		return newError(InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m")
	}
	return nil
}
