// Internal to viz/: the pieces Figure::render is made of (axes, legend, series, contour,
// animation), and the state they share while drawing one panel.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "descent/viz/figure.hpp"
#include "descent/viz/svg.hpp"

namespace descent::viz {

// Text width estimate for layout (SVG gives no font metrics): DejaVu Sans advance widths by
// character class, erring wide so boxes always hold their text.
double text_width(std::string_view text, double font_size);

// Where a panel's axes landed: pixel rectangle, scales, ticks and their labels.
struct AxesLayout {
  Rect plot;
  AxisScale x, y;
  std::vector<double> x_ticks, y_ticks;
  std::vector<std::string> x_labels, y_labels;
};

// Lays out a panel inside `box`, keeping `reserve_right` pixels free for a colour bar.
AxesLayout layout_axes(const Panel& panel, const Rect& box, double reserve_right);
// The plot area's white background and grid lines at the ticks (drawn beneath the data).
void draw_grid(SvgWriter& svg, const AxesLayout& axes);
// Frame, tick marks, tick labels, axis labels and title (drawn above the data).
void draw_frame(SvgWriter& svg, const Panel& panel, const AxesLayout& axes);

// The shared drawing state of one panel.
struct Canvas {
  SvgWriter& svg;
  const AxesLayout& axes;
  const Animation& animation;
  std::vector<std::string>& warnings;
  std::vector<Point> occupied;  // pixels covered by data, for placing the legend
  Point pixel(Point p) const { return {axes.x.map(p.x), axes.y.map(p.y)}; }
};

struct LegendEntry {
  enum class Swatch { line, dashed_line, band, dot, path, marker };
  std::string label;  // the series' name
  Color color;
  Swatch swatch = Swatch::line;
  double opacity = 1;  // of a band's fill
  MarkerShape shape = MarkerShape::star;
  std::string note{};  // what was cut, shown after the name: "sgd (3 points cut)"
  std::string text() const { return note.empty() ? label : label + " (" + note + ")"; }
};

// Where a w-by-h legend goes: the inside corner of `plot` covering fewest occupied pixels,
// preferring top-right, top-left, bottom-right, bottom-left in that order on ties.
Rect place_legend(const Rect& plot, double width, double height, const std::vector<Point>& occupied);
void draw_legend(SvgWriter& svg, const Rect& plot, const std::vector<LegendEntry>& entries,
                 const std::vector<Point>& occupied);
// A figure-wide legend in columns, filling `width` from the top-left of `area`.
double legend_below_height(const std::vector<LegendEntry>& entries, double width);
void draw_legend_below(SvgWriter& svg, const Rect& area, const std::vector<LegendEntry>& entries);

// Each draws one item on the canvas and returns its legend entry.
LegendEntry draw_line(Canvas& canvas, const LineItem& item, const Color& color);
LegendEntry draw_scatter(Canvas& canvas, const ScatterItem& item, const Color& color);
LegendEntry draw_band(Canvas& canvas, const BandItem& item, const Color& color);
// A white halo under a path keeps it visible on any contour colour; all halos go beneath all
// paths, so one path's halo never hides another.
void draw_path_halo(Canvas& canvas, const PathItem& item);
// `longest` is the point count of the panel's longest path: animations share its timeline.
LegendEntry draw_path(Canvas& canvas, const PathItem& item, const Color& color, std::size_t longest);
LegendEntry draw_marker(Canvas& canvas, const MarkerItem& item);
void draw_marker_shape(SvgWriter& svg, MarkerShape shape, Point at, double size, const Color& fill);

// Width to keep right of the plot for the contour's colour bar.
double colorbar_width(const ContourItem& item);
void draw_contour(Canvas& canvas, const ContourItem& item);
void draw_colorbar(SvgWriter& svg, const Rect& plot, const ContourItem& item);

// SMIL animations (SVG 1.1, section 19). `times` are key times in [0, 1], ascending.
// A stroke-dashoffset animation that reveals a polyline whose cumulative lengths are given.
std::string reveal_animation(const std::vector<double>& cumulative, const std::vector<double>& times, double seconds);
// An animateMotion that moves an element through `points` at `times`.
std::string motion_animation(const Polyline& points, const std::vector<double>& times, double seconds);

// "x1,y1 x2,y2 ..." for a polyline's points attribute.
std::string points_attribute(const Polyline& line);

}  // namespace descent::viz
