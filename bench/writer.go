package bench

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Save writes m to path in the format its name implies (see [FormatOf]),
// gzip-compressed when the name ends in .gz. The file is written to a
// temporary name and renamed into place, so readers never see half a file.
func Save(path string, m *Matrix) error {
	f, _, err := FormatOf(path)
	if err != nil {
		return err
	}
	return SaveFormat(path, m, f)
}

// SaveFormat is [Save] with the format given explicitly.
func SaveFormat(path string, m *Matrix, f Format) error {
	if m == nil {
		return errors.New("bench: save: nil matrix")
	}
	var write func(io.Writer) error
	switch f {
	case FormatFvecs:
		write = func(w io.Writer) error { return WriteFvecs(w, m) }
	case FormatBvecs:
		write = func(w io.Writer) error { return WriteBvecs(w, m) }
	case FormatIvecs:
		rows, err := matrixToInts(m)
		if err != nil {
			return err
		}
		write = func(w io.Writer) error { return WriteIvecs(w, rows) }
	case FormatNpy:
		write = func(w io.Writer) error { return WriteNpy(w, m) }
	case FormatCSV:
		write = func(w io.Writer) error { return WriteCSV(w, m, ',') }
	case FormatTSV:
		write = func(w io.Writer) error { return WriteCSV(w, m, '\t') }
	case FormatJSONL:
		write = func(w io.Writer) error { return WriteJSONL(w, m) }
	case FormatPgText:
		write = func(w io.Writer) error { return WritePgText(w, m) }
	case FormatIDX:
		write = func(w io.Writer) error { return WriteIDX(w, m) }
	default:
		return fmt.Errorf("bench: save %s: %w: format %v", path, ErrUnsupported, f)
	}
	return writeFileAtomic(path, write)
}

// matrixToInts converts a matrix of integral values to int32 rows.
func matrixToInts(m *Matrix) ([][]int32, error) {
	rows := make([][]int32, m.Len())
	for i := range rows {
		r := m.Row(i)
		rows[i] = make([]int32, len(r))
		for j, x := range r {
			if x != float32(int32(x)) {
				return nil, fmt.Errorf("bench: row %d, component %d: %w: %v is not an int32", i, j, ErrRange, x)
			}
			rows[i][j] = int32(x)
		}
	}
	return rows, nil
}

// writeFileAtomic writes through write into a temporary file beside path,
// gzip-compressing if path ends in .gz, then renames it to path.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zw = gzip.NewWriter(tmp)
		w = zw
	}
	if err = write(w); err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	if zw != nil {
		if err = zw.Close(); err != nil {
			return fmt.Errorf("bench: %s: %w", path, err)
		}
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("bench: %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
