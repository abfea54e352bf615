package pgcompat

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// IterativeScan is the value of hnsw.iterative_scan.
type IterativeScan int

// The modes of hnsw.iterative_scan.
const (
	IterativeScanOff IterativeScan = iota // off: one pass, at most ef_search elements
	RelaxedOrder                          // relaxed_order: keep scanning, results may be slightly out of order
	StrictOrder                           // strict_order: keep scanning, never return a closer row after a farther one
)

// String returns the setting's spelling.
func (m IterativeScan) String() string {
	switch m {
	case RelaxedOrder:
		return "relaxed_order"
	case StrictOrder:
		return "strict_order"
	}
	return "off"
}

// Settings are the session settings (GUCs) that affect pgvector's HNSW index
// or the planner's choice of it, with PostgreSQL's defaults, ranges, units
// and error messages. Change them with Set, Reset or Exec; the fields may
// also be assigned directly (no range check then).
type Settings struct {
	// Platform decides the upper bound of the memory settings.
	Platform Platform

	EfSearch          int           // hnsw.ef_search, 1..1000, default 40
	IterativeScan     IterativeScan // hnsw.iterative_scan, default off
	MaxScanTuples     int           // hnsw.max_scan_tuples, 1..2147483647, default 20000
	ScanMemMultiplier float64       // hnsw.scan_mem_multiplier, 1..1000, default 1

	IVFFlatProbes        int           // ivfflat.probes, 1..32768, default 1
	IVFFlatIterativeScan IterativeScan // ivfflat.iterative_scan: off or relaxed_order
	IVFFlatMaxProbes     int           // ivfflat.max_probes, 1..32768, default 32768

	MaintenanceWorkMem            int // maintenance_work_mem in kB, default 65536 (64MB)
	WorkMem                       int // work_mem in kB, default 4096 (4MB)
	MaxParallelMaintenanceWorkers int // max_parallel_maintenance_workers, default 2 (0 on PGlite)

	RandomPageCost     float64 // random_page_cost, default 4
	SeqPageCost        float64 // seq_page_cost, default 1
	CPUTupleCost       float64 // cpu_tuple_cost, default 0.01
	CPUIndexTupleCost  float64 // cpu_index_tuple_cost, default 0.005
	CPUOperatorCost    float64 // cpu_operator_cost, default 0.0025
	EffectiveCacheSize int     // effective_cache_size in 8kB blocks, default 524288 (4GB)
	EnableSeqScan      bool    // enable_seqscan, default on
	EnableIndexScan    bool    // enable_indexscan, default on
	EnableSort         bool    // enable_sort, default on

	// Custom holds placeholder settings with a dotted name outside the
	// reserved hnsw and ivfflat prefixes (SET myapp.x = '1'), as text.
	Custom map[string]string
}

// DefaultSettings returns PostgreSQL's and pgvector's defaults for platform p.
func DefaultSettings(p Platform) Settings {
	s := Settings{Platform: p}
	for _, d := range settingDefs {
		d.reset(&s)
	}
	return s
}

// platformDefault returns the default of a setting on a platform, where it
// differs from PostgreSQL's: PGlite starts with no parallel maintenance
// workers.
func platformDefault(p Platform, d settingDef) string {
	if p == PGlite && d.name == "max_parallel_maintenance_workers" {
		return "0"
	}
	return d.def
}

type settingKind int

const (
	kindBool settingKind = iota
	kindInt
	kindReal
	kindEnum
)

// unit is a GUC's base unit.
type unit int

const (
	unitNone   unit = iota
	unitKB          // kilobytes
	unitBlocks      // 8 kB blocks
)

// settingDef describes one setting: its type, range and where it lives in
// Settings.
type settingDef struct {
	name     string
	kind     settingKind
	unit     unit
	min, max float64 // for kindInt / kindReal; max < 0 means the platform's MAX_KILOBYTES
	enum     []string
	def      string // default, in the setting's input syntax
	get      func(*Settings) any
	set      func(*Settings, any)
}

func intField(f func(*Settings) *int) (func(*Settings) any, func(*Settings, any)) {
	return func(s *Settings) any { return *f(s) }, func(s *Settings, v any) { *f(s) = v.(int) }
}

func realField(f func(*Settings) *float64) (func(*Settings) any, func(*Settings, any)) {
	return func(s *Settings) any { return *f(s) }, func(s *Settings, v any) { *f(s) = v.(float64) }
}

func boolField(f func(*Settings) *bool) (func(*Settings) any, func(*Settings, any)) {
	return func(s *Settings) any { return *f(s) }, func(s *Settings, v any) { *f(s) = v.(bool) }
}

func enumField(f func(*Settings) *IterativeScan) (func(*Settings) any, func(*Settings, any)) {
	return func(s *Settings) any { return int(*f(s)) }, func(s *Settings, v any) { *f(s) = IterativeScan(v.(int)) }
}

func def(name string, kind settingKind, u unit, lo, hi float64, dflt string, enum []string, g func(*Settings) any, st func(*Settings, any)) settingDef {
	return settingDef{name: name, kind: kind, unit: u, min: lo, max: hi, def: dflt, enum: enum, get: g, set: st}
}

var settingDefs = func() []settingDef {
	var d []settingDef
	add := func(x settingDef) { d = append(d, x) }
	g, s := intField(func(x *Settings) *int { return &x.EfSearch })
	add(def("hnsw.ef_search", kindInt, unitNone, 1, 1000, "40", nil, g, s))
	ge, se := enumField(func(x *Settings) *IterativeScan { return &x.IterativeScan })
	add(def("hnsw.iterative_scan", kindEnum, unitNone, 0, 0, "off", []string{"off", "relaxed_order", "strict_order"}, ge, se))
	g, s = intField(func(x *Settings) *int { return &x.MaxScanTuples })
	add(def("hnsw.max_scan_tuples", kindInt, unitNone, 1, math.MaxInt32, "20000", nil, g, s))
	gr, sr := realField(func(x *Settings) *float64 { return &x.ScanMemMultiplier })
	add(def("hnsw.scan_mem_multiplier", kindReal, unitNone, 1, 1000, "1", nil, gr, sr))
	g, s = intField(func(x *Settings) *int { return &x.IVFFlatProbes })
	add(def("ivfflat.probes", kindInt, unitNone, 1, 32768, "1", nil, g, s))
	ge, se = enumField(func(x *Settings) *IterativeScan { return &x.IVFFlatIterativeScan })
	add(def("ivfflat.iterative_scan", kindEnum, unitNone, 0, 0, "off", []string{"off", "relaxed_order"}, ge, se))
	g, s = intField(func(x *Settings) *int { return &x.IVFFlatMaxProbes })
	add(def("ivfflat.max_probes", kindInt, unitNone, 1, 32768, "32768", nil, g, s))
	g, s = intField(func(x *Settings) *int { return &x.MaintenanceWorkMem })
	add(def("maintenance_work_mem", kindInt, unitKB, 64, -1, "65536", nil, g, s))
	g, s = intField(func(x *Settings) *int { return &x.WorkMem })
	add(def("work_mem", kindInt, unitKB, 64, -1, "4096", nil, g, s))
	g, s = intField(func(x *Settings) *int { return &x.MaxParallelMaintenanceWorkers })
	add(def("max_parallel_maintenance_workers", kindInt, unitNone, 0, 1024, "2", nil, g, s))
	gr, sr = realField(func(x *Settings) *float64 { return &x.RandomPageCost })
	add(def("random_page_cost", kindReal, unitNone, 0, math.MaxFloat64, "4", nil, gr, sr))
	gr, sr = realField(func(x *Settings) *float64 { return &x.SeqPageCost })
	add(def("seq_page_cost", kindReal, unitNone, 0, math.MaxFloat64, "1", nil, gr, sr))
	gr, sr = realField(func(x *Settings) *float64 { return &x.CPUTupleCost })
	add(def("cpu_tuple_cost", kindReal, unitNone, 0, math.MaxFloat64, "0.01", nil, gr, sr))
	gr, sr = realField(func(x *Settings) *float64 { return &x.CPUIndexTupleCost })
	add(def("cpu_index_tuple_cost", kindReal, unitNone, 0, math.MaxFloat64, "0.005", nil, gr, sr))
	gr, sr = realField(func(x *Settings) *float64 { return &x.CPUOperatorCost })
	add(def("cpu_operator_cost", kindReal, unitNone, 0, math.MaxFloat64, "0.0025", nil, gr, sr))
	g, s = intField(func(x *Settings) *int { return &x.EffectiveCacheSize })
	add(def("effective_cache_size", kindInt, unitBlocks, 1, math.MaxInt32, "524288", nil, g, s))
	gb, sb := boolField(func(x *Settings) *bool { return &x.EnableSeqScan })
	add(def("enable_seqscan", kindBool, unitNone, 0, 0, "on", nil, gb, sb))
	gb, sb = boolField(func(x *Settings) *bool { return &x.EnableIndexScan })
	add(def("enable_indexscan", kindBool, unitNone, 0, 0, "on", nil, gb, sb))
	gb, sb = boolField(func(x *Settings) *bool { return &x.EnableSort })
	add(def("enable_sort", kindBool, unitNone, 0, 0, "on", nil, gb, sb))
	return d
}()

// reservedPrefixes are the GUC prefixes pgvector marks reserved.
var reservedPrefixes = []string{"hnsw", "ivfflat"}

// SettingNames returns the names of the settings Settings models, sorted.
func SettingNames() []string {
	var n []string
	for _, d := range settingDefs {
		n = append(n, d.name)
	}
	sort.Strings(n)
	return n
}

func (d settingDef) reset(s *Settings) {
	// Defaults are constants of the table; TestDefaultSettings checks that
	// each one parses.
	if v, err := d.parse(s.Platform, platformDefault(s.Platform, d)); err == nil {
		d.set(s, v)
	}
}

// findSetting looks a name up as PostgreSQL does: case-insensitively, with
// the reserved-prefix and custom-placeholder rules. It returns the setting,
// or (nil, canonical name, nil) for a valid custom placeholder.
func findSetting(name string) (*settingDef, string, error) {
	lname := strings.ToLower(name)
	for i := range settingDefs {
		if settingDefs[i].name == lname {
			return &settingDefs[i], lname, nil
		}
	}
	dot := strings.IndexByte(name, '.')
	if dot < 0 {
		return nil, "", newError(UndefinedObject, "unrecognized configuration parameter \""+name+"\"")
	}
	if !validCustomName(name) {
		return nil, "", &Error{
			Code:    InvalidName,
			Message: "invalid configuration parameter name \"" + name + "\"",
			Detail:  "Custom parameter names must be two or more simple identifiers separated by dots.",
		}
	}
	for _, p := range reservedPrefixes {
		if strings.EqualFold(name[:dot], p) {
			return nil, "", &Error{
				Code:    InvalidName,
				Message: "invalid configuration parameter name \"" + name + "\"",
				Detail:  "\"" + p + "\" is a reserved prefix.",
			}
		}
	}
	return nil, name, nil
}

// validCustomName is PostgreSQL's valid_custom_variable_name: two or more
// identifiers (letters, digits, _ and $, not starting with a digit or $)
// separated by dots.
func validCustomName(name string) bool {
	parts := strings.Split(name, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			ok := c == '_' || c >= 0x80 || (c|0x20) >= 'a' && (c|0x20) <= 'z' || i > 0 && (isDigit(c) || c == '$')
			if !ok {
				return false
			}
		}
	}
	return true
}

// Set assigns value to the named setting as SET name = 'value' does, with
// PostgreSQL's parsing (integers in decimal, octal or hex, fractions rounded
// half to even, memory units B/kB/MB/GB/TB with kB the default) and its
// error messages.
func (s *Settings) Set(name, value string) error {
	d, canon, err := findSetting(name)
	if err != nil {
		return err
	}
	if d == nil {
		if s.Custom == nil {
			s.Custom = map[string]string{}
		}
		s.Custom[canon] = value
		return nil
	}
	v, err := d.parse(s.Platform, value)
	if err != nil {
		return err
	}
	d.set(s, v)
	return nil
}

// Reset restores the named setting's default (RESET name).
func (s *Settings) Reset(name string) error {
	d, canon, err := findSetting(name)
	if err != nil {
		return err
	}
	if d == nil {
		// The placeholder stays, with an empty value.
		if s.Custom == nil {
			s.Custom = map[string]string{}
		}
		s.Custom[canon] = ""
		return nil
	}
	d.reset(s)
	return nil
}

// ResetAll restores every default (RESET ALL). Custom placeholders remain,
// with empty values.
func (s *Settings) ResetAll() {
	custom := s.Custom
	*s = DefaultSettings(s.Platform)
	for k := range custom {
		custom[k] = ""
	}
	s.Custom = custom
}

// Show returns the setting's value as SHOW prints it (memory in the largest
// unit that divides it exactly, e.g. "64MB").
func (s *Settings) Show(name string) (string, error) {
	d, canon, err := findSetting(name)
	if err != nil {
		return "", err
	}
	if d == nil {
		v, ok := s.Custom[canon]
		if !ok {
			return "", newError(UndefinedObject, "unrecognized configuration parameter \""+name+"\"")
		}
		return v, nil
	}
	switch d.kind {
	case kindBool:
		if d.get(s).(bool) {
			return "on", nil
		}
		return "off", nil
	case kindEnum:
		return d.enum[d.get(s).(int)], nil
	case kindReal:
		return formatCG(d.get(s).(float64)), nil
	}
	v := d.get(s).(int)
	if d.unit != unitNone && v > 0 {
		n, u := intFromBaseUnit(int64(v), d.unit)
		return strconv.FormatInt(n, 10) + u, nil
	}
	return strconv.Itoa(v), nil
}

// memoryUnits is PostgreSQL's memory_unit_conversion_table, in kB, from
// the largest unit down.
var memoryUnits = []struct {
	name string
	kb   float64
}{
	{"TB", 1024 * 1024 * 1024},
	{"GB", 1024 * 1024},
	{"MB", 1024},
	{"kB", 1},
	{"B", 1.0 / 1024},
}

const memoryUnitsHint = `Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".`

// unitScale is the size of one base unit in kB.
func unitScale(u unit) float64 {
	if u == unitBlocks {
		return 8
	}
	return 1
}

// convertToBaseUnit is convert_to_base_unit for memory settings: unitStr
// may have trailing whitespace; a fractional value is rounded to a multiple
// of the next smaller unit.
func convertToBaseUnit(v float64, unitStr string, u unit) (float64, bool) {
	k := 0
	for k < len(unitStr) && !cIsSpace(unitStr[k]) && k < 3 {
		k++
	}
	name := unitStr[:k]
	if skipSpace(unitStr, k) != len(unitStr) {
		return 0, false
	}
	scale := unitScale(u)
	for i, mu := range memoryUnits {
		if mu.name != name {
			continue
		}
		c := v * (mu.kb / scale)
		if i+1 < len(memoryUnits) {
			next := memoryUnits[i+1].kb / scale
			c = math.RoundToEven(c/next) * next
		}
		return c, true
	}
	return 0, false
}

// intFromBaseUnit is convert_int_from_base_unit: the largest unit that
// divides v exactly.
func intFromBaseUnit(v int64, u unit) (int64, string) {
	scale := unitScale(u)
	for _, mu := range memoryUnits {
		m := mu.kb / scale
		if m <= 1 || v%int64(m) == 0 {
			return int64(math.RoundToEven(float64(v) / m)), mu.name
		}
	}
	return v, ""
}

func unitName(u unit) string {
	switch u {
	case unitKB:
		return "kB"
	case unitBlocks:
		return "8kB"
	}
	return ""
}

// parseInt is PostgreSQL's parse_int. ok=false with an optional hint on a
// syntax error.
func parseIntGUC(value string, u unit) (int, string, bool) {
	iv, end, erange := cStrtol(value, 0)
	val := float64(iv)
	if end < len(value) && (value[end] == '.' || value[end] == 'e' || value[end] == 'E') || erange {
		var er bool
		val, end, er = cStrtod(value)
		erange = er
	}
	if end == 0 || erange {
		return 0, "", false
	}
	if math.IsNaN(val) {
		return 0, "", false
	}
	end = skipSpace(value, end)
	if end < len(value) {
		if u == unitNone {
			return 0, "", false
		}
		c, ok := convertToBaseUnit(val, value[end:], u)
		if !ok {
			return 0, memoryUnitsHint, false
		}
		val = c
	}
	val = math.RoundToEven(val)
	if val > math.MaxInt32 || val < math.MinInt32 {
		return 0, "Value exceeds integer range.", false
	}
	return int(val), "", true
}

// parseRealGUC is PostgreSQL's parse_real.
func parseRealGUC(value string, u unit) (float64, string, bool) {
	val, end, erange := cStrtod(value)
	if end == 0 || erange || math.IsNaN(val) {
		return 0, "", false
	}
	end = skipSpace(value, end)
	if end < len(value) {
		if u == unitNone {
			return 0, "", false
		}
		c, ok := convertToBaseUnit(val, value[end:], u)
		if !ok {
			return 0, memoryUnitsHint, false
		}
		val = c
	}
	return val, "", true
}

// parseBool is PostgreSQL's parse_bool: unique prefixes of true, false, yes,
// no, on, off, and 1 or 0, in any case.
func parseBool(v string) (bool, bool) {
	if v == "" {
		return false, false
	}
	// v must be a prefix of word, at least minLen long.
	prefix := func(word string, minLen int) bool {
		return len(v) >= minLen && len(v) <= len(word) && strings.EqualFold(v, word[:len(v)])
	}
	switch lower(v[0]) {
	case 't':
		return true, prefix("true", 1)
	case 'f':
		return false, prefix("false", 1)
	case 'y':
		return true, prefix("yes", 1)
	case 'n':
		return false, prefix("no", 1)
	case 'o':
		if prefix("on", 2) {
			return true, true
		}
		if prefix("off", 2) {
			return false, true
		}
	case '1':
		return true, len(v) == 1
	case '0':
		return false, len(v) == 1
	}
	return false, false
}

// parse checks a value as parse_and_validate_value does and returns the
// typed value.
func (d settingDef) parse(p Platform, value string) (any, error) {
	invalid := func(hint string) error {
		return &Error{
			Code:    InvalidParameterValue,
			Message: "invalid value for parameter \"" + d.name + "\": \"" + value + "\"",
			Hint:    hint,
		}
	}
	switch d.kind {
	case kindBool:
		b, ok := parseBool(value)
		if !ok {
			return nil, newError(InvalidParameterValue, "parameter \""+d.name+"\" requires a Boolean value")
		}
		return b, nil
	case kindEnum:
		for i, e := range d.enum {
			if strings.EqualFold(e, value) {
				return i, nil
			}
		}
		return nil, invalid("Available values: " + strings.Join(d.enum, ", ") + ".")
	case kindInt:
		v, hint, ok := parseIntGUC(value, d.unit)
		if !ok {
			return nil, invalid(hint)
		}
		lo, hi := int(d.min), int(d.max)
		if d.max < 0 {
			hi = p.MaxKilobytes()
		}
		if v < lo || v > hi {
			us := ""
			if n := unitName(d.unit); n != "" {
				us = " " + n
			}
			return nil, newError(InvalidParameterValue, fmt.Sprintf("%d%s is outside the valid range for parameter \"%s\" (%d%s .. %d%s)", v, us, d.name, lo, us, hi, us))
		}
		return v, nil
	default:
		v, hint, ok := parseRealGUC(value, d.unit)
		if !ok {
			return nil, invalid(hint)
		}
		if v < d.min || v > d.max {
			return nil, newError(InvalidParameterValue, fmt.Sprintf("%s is outside the valid range for parameter \"%s\" (%s .. %s)", formatCG(v), d.name, formatCG(d.min), formatCG(d.max)))
		}
		return v, nil
	}
}
