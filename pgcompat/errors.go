package pgcompat

import "errors"

// SQLState is a five-character PostgreSQL error code (SQLSTATE).
//
// SQLState implements error so that the codes below can be used as targets
// of errors.Is: errors.Is(err, pgcompat.InvalidTextRepresentation) holds for
// every *Error whose Code is "22P02", whatever its message.
type SQLState string

// Error returns the code in the form PostgreSQL prints it.
func (s SQLState) Error() string { return "SQLSTATE " + string(s) }

// The SQLSTATE codes that pgvector and the PostgreSQL code paths it relies on
// report.
const (
	// DataException (22000) is pgvector's general "bad value" code:
	// dimension mismatches, NaN or infinite elements, empty vectors.
	DataException SQLState = "22000"
	// InvalidTextRepresentation (22P02) is a malformed text literal.
	InvalidTextRepresentation SQLState = "22P02"
	// InvalidBinaryRepresentation (22P03) is malformed binary input.
	InvalidBinaryRepresentation SQLState = "22P03"
	// NumericValueOutOfRange (22003) is an overflow or underflow.
	NumericValueOutOfRange SQLState = "22003"
	// NullValueNotAllowed (22004) is a NULL inside an array being cast.
	NullValueNotAllowed SQLState = "22004"
	// StringDataRightTruncation (22001) is a bit string too long for bit varying(n).
	StringDataRightTruncation SQLState = "22001"
	// StringDataLengthMismatch (22026) is a bit string whose length differs from bit(n).
	StringDataLengthMismatch SQLState = "22026"
	// InvalidParameterValue (22023) is a bad option, setting or type modifier.
	InvalidParameterValue SQLState = "22023"
	// ProgramLimitExceeded (54000) is a value over one of pgvector's size limits.
	ProgramLimitExceeded SQLState = "54000"
	// FeatureNotSupported (0A000) is something the access method cannot do.
	FeatureNotSupported SQLState = "0A000"
	// ProtocolViolation (08P01) is binary input that ends too early.
	ProtocolViolation SQLState = "08P01"
	// SyntaxError (42601) is a statement PostgreSQL's grammar rejects.
	SyntaxError SQLState = "42601"
	// UndefinedObject (42704) is an unknown setting, operator class or access method.
	UndefinedObject SQLState = "42704"
	// UndefinedTable (42P01) is an unknown relation.
	UndefinedTable SQLState = "42P01"
	// UndefinedColumn (42703) is an unknown column.
	UndefinedColumn SQLState = "42703"
	// DuplicateTable (42P07) is CREATE INDEX with a name already taken.
	DuplicateTable SQLState = "42P07"
	// DatatypeMismatch (42804) is an operator class used with the wrong type.
	DatatypeMismatch SQLState = "42804"
	// InvalidName (42602) is a setting name under a reserved prefix.
	InvalidName SQLState = "42602"
)

// Error is an error reported the way PostgreSQL reports it: a SQLSTATE code,
// the primary message and the optional DETAIL and HINT lines. Messages are
// worded exactly as pgvector 0.8.7 (or PostgreSQL, where PostgreSQL raises
// the error) words them, so they can be compared with a real server's.
type Error struct {
	Code    SQLState // SQLSTATE, e.g. "22P02"
	Message string   // primary message, e.g. `invalid input syntax for type vector: "[1,"`
	Detail  string   // DETAIL line, or ""
	Hint    string   // HINT line, or ""
	// Position is the 1-based character position in the statement text
	// that a syntax error points at, or 0.
	Position int
}

// Error formats the error like a client library does: the severity, the
// message and the code.
func (e *Error) Error() string {
	return "ERROR: " + e.Message + " (SQLSTATE " + string(e.Code) + ")"
}

// Is reports whether target is the SQLState of e, so errors.Is can test an
// error's code without a type assertion.
func (e *Error) Is(target error) bool {
	if s, ok := target.(SQLState); ok {
		return e.Code == s
	}
	return false
}

// ErrorCode returns the SQLSTATE of the first *Error in err's chain, or ""
// when there is none.
func ErrorCode(err error) SQLState {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// Notice is a message PostgreSQL sends at NOTICE level: informational, the
// statement still succeeds.
type Notice struct {
	Message string
	Detail  string
	Hint    string
}

// newError builds an *Error with no DETAIL or HINT.
func newError(code SQLState, msg string) *Error {
	return &Error{Code: code, Message: msg}
}

// errOverflow and errUnderflow are PostgreSQL's float_overflow_error and
// float_underflow_error, raised by pgvector's arithmetic.
func errOverflow() *Error  { return newError(NumericValueOutOfRange, "value out of range: overflow") }
func errUnderflow() *Error { return newError(NumericValueOutOfRange, "value out of range: underflow") }
