package tune

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PlotFormat is an image format WritePlot writes.
type PlotFormat int

const (
	// PlotPNG is a PNG image.
	PlotPNG PlotFormat = iota
	// PlotSVG is an SVG drawing.
	PlotSVG
)

// PlotFormatOf returns the format a file name asks for: .png or .svg.
func PlotFormatOf(path string) (PlotFormat, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PlotPNG, nil
	case ".svg":
		return PlotSVG, nil
	}
	return 0, fmt.Errorf("%w: plot file %q must end in .png or .svg", ErrUnsupported, path)
}

// SavePlot writes the report's plot to path, as PNG or SVG by its extension.
func (r *Report) SavePlot(path string) error {
	f, err := PlotFormatOf(path)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := r.WritePlot(tmp, f); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WritePlot draws recall against distance evaluations per query (left) and
// against p50 latency (right): one line per (m, ef_construction) through
// its ef_search values, the Pareto front of each panel as a thick dashed
// line, the target recall as a horizontal line and the recommendation as a
// ringed point.
func (r *Report) WritePlot(w io.Writer, f PlotFormat) error {
	if len(r.Results) == 0 {
		return fmt.Errorf("%w: nothing to plot", ErrEmpty)
	}
	evals, err := r.panel("distance evaluations per query",
		func(x *Result) float64 { return x.DistanceEvals.Mean },
		func(x *Result) bool { return x.Pareto })
	if err != nil {
		return err
	}
	lat, err := r.panel("p50 latency (µs, in process)",
		func(x *Result) float64 { return float64(x.Latency.P50) / float64(time.Microsecond) },
		func(x *Result) bool { return x.ParetoLatency })
	if err != nil {
		return err
	}
	evals.Title.Text = fmt.Sprintf("recall@%d vs query cost: %d × %d, %s", r.Spec.K, r.Dataset.Rows, r.Dataset.Dim, r.Spec.OpClass)
	lat.Title.Text = "recall vs latency"
	lat.Legend.Top, lat.Legend.Left = false, false

	const width, height = 14 * vg.Inch, 6 * vg.Inch
	var canvas vg.CanvasWriterTo
	switch f {
	case PlotSVG:
		canvas = vgsvg.New(width, height)
	default:
		canvas = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110))}
	}
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Millimeter * 6, PadTop: vg.Millimeter * 3, PadBottom: vg.Millimeter * 3, PadLeft: vg.Millimeter * 3, PadRight: vg.Millimeter * 3}
	plots := [][]*plot.Plot{{evals, lat}}
	canvases := plot.Align(plots, tiles, dc)
	evals.Draw(canvases[0][0])
	lat.Draw(canvases[0][1])
	_, err = canvas.WriteTo(w)
	return err
}

// panel draws one panel with x from xOf.
func (r *Report) panel(xLabel string, xOf func(*Result) float64, onFront func(*Result) bool) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = xLabel
	p.Y.Label.Text = fmt.Sprintf("recall@%d", r.Spec.K)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks125{}
	p.Add(plotter.NewGrid())
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)

	var order []BuildParams
	groups := map[BuildParams]plotter.XYs{}
	var front plotter.XYs
	minX := 0.0
	for i := range r.Results {
		x := &r.Results[i]
		xv := max(xOf(x), 1e-3)
		if minX == 0 || xv < minX {
			minX = xv
		}
		if _, ok := groups[x.BuildParams]; !ok {
			order = append(order, x.BuildParams)
		}
		groups[x.BuildParams] = append(groups[x.BuildParams], plotter.XY{X: xv, Y: x.Recall.Mean})
		if onFront(x) {
			front = append(front, plotter.XY{X: xv, Y: x.Recall.Mean})
		}
	}
	for i, b := range order {
		pts := groups[b]
		slices.SortFunc(pts, func(a, b plotter.XY) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		line, scatter, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		c := plotutil.Color(i)
		line.Color = c
		line.Width = vg.Points(1.2)
		if i >= 7 {
			line.Dashes = plotutil.Dashes(1 + (i/7)%3)
		}
		scatter.Color = c
		scatter.Shape = plotutil.Shape(i)
		scatter.Radius = vg.Points(2.5)
		p.Add(line, scatter)
		p.Legend.Add(fmt.Sprintf("m=%d ef_c=%d", b.M, b.EfConstruction), line, scatter)
	}
	if len(front) > 0 {
		slices.SortFunc(front, func(a, b plotter.XY) int {
			switch {
			case a.X < b.X:
				return -1
			case a.X > b.X:
				return 1
			}
			return 0
		})
		line, err := plotter.NewLine(front)
		if err != nil {
			return nil, err
		}
		line.Color = color.Black
		line.Width = vg.Points(3)
		line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(line)
		p.Legend.Add("Pareto front", line)
	}
	if r.Spec.TargetRecall > 0 {
		target := plotter.NewFunction(func(float64) float64 { return r.Spec.TargetRecall })
		target.Color = color.RGBA{R: 200, A: 255}
		target.Dashes = []vg.Length{vg.Points(2), vg.Points(2)}
		target.Width = vg.Points(1)
		p.Add(target)
		p.Legend.Add(fmt.Sprintf("target %.3g", r.Spec.TargetRecall), target)
	}
	if rec := r.Recommendation; rec != nil {
		pt := plotter.XYs{{X: max(xOf(&rec.Result), 1e-3), Y: rec.Recall.Mean}}
		s, err := plotter.NewScatter(pt)
		if err != nil {
			return nil, err
		}
		s.Shape = draw.RingGlyph{}
		s.Radius = vg.Points(8)
		s.Color = color.RGBA{R: 220, A: 255}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("recommended: m=%d ef_c=%d ef_search=%d", rec.M, rec.EfConstruction, rec.EfSearch), s)
	}
	return p, nil
}

// logTicks125 labels a log axis at 1, 2 and 5 times powers of ten, so that
// a range within one decade still gets labels.
type logTicks125 struct{}

// Ticks returns the ticks between lo and hi.
func (logTicks125) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi >= lo) {
		return nil
	}
	var ticks []plot.Tick
	for p := math.Floor(math.Log10(lo)); math.Pow(10, p) <= hi*10; p++ {
		base := math.Pow(10, p)
		for _, m := range []float64{1, 2, 5} {
			v := m * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
		}
	}
	if len(ticks) < 2 {
		ticks = append(ticks[:0], plot.Tick{Value: lo, Label: strconv.FormatFloat(lo, 'g', 3, 64)}, plot.Tick{Value: hi, Label: strconv.FormatFloat(hi, 'g', 3, 64)})
	}
	return ticks
}
