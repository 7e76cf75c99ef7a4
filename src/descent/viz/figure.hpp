// Figure and Panel: the plotting API. A Figure is one SVG holding one or more Panels side by
// side; a Panel is a set of axes holding lines, bands, scatter points, trajectories, markers and
// a contour plot, and draws its own ticks, labels, title and legend.
//
//   viz::Figure figure(720, 460);
//   viz::Panel& loss = figure.add_panel();
//   loss.title = "Training loss";
//   loss.x_label = "epoch";
//   loss.y_scale = viz::Scale::log;
//   loss.line("adam", epochs, losses);
//   viz::Rendered out = figure.render();   // out.svg, out.warnings
#pragma once
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "descent/viz/geometry.hpp"
#include "descent/viz/grid.hpp"
#include "descent/viz/palette.hpp"
#include "descent/viz/scale.hpp"

namespace descent::viz {

struct LineOptions {
  std::optional<Color> color{};  // default: the panel's next series colour
  double width = 2.0;
  bool dashed = false;
};

struct BandOptions {
  std::optional<Color> color{};  // default: the colour the panel's next series gets (not used up)
  double opacity = 0.2;          // of the fill, in (0, 1]
};

enum class MarkerShape { circle, star, cross };

struct ContourOptions {
  std::vector<double> levels{};  // ascending; see log_levels / linear_levels in contour.hpp
  bool filled = true;            // filled bands (with thin level lines) or coloured lines
  std::string colorbar_label = "f(x, y)";
};

// One drawn thing on a panel.
struct LineItem {
  std::string name;
  std::vector<double> x, y;
  LineOptions options;
};
struct BandItem {  // the region between two curves, e.g. the mean ± one sd over seeds
  std::string name;
  std::vector<double> x, low, high;
  BandOptions options;
};
struct ScatterItem {
  std::string name;
  std::vector<double> x, y;
  std::optional<Color> color;
};
struct PathItem {  // an optimizer's trajectory: a line with start and end markers
  std::string name;
  std::vector<Point> points;
  std::optional<Color> color;
};
struct MarkerItem {
  std::string name;
  Point at;
  MarkerShape shape = MarkerShape::star;
};
struct ContourItem {
  Grid grid;
  ContourOptions options;
};
using Item = std::variant<LineItem, BandItem, ScatterItem, PathItem, MarkerItem, ContourItem>;

class Panel {
 public:
  std::string title, x_label, y_label;
  Scale x_scale = Scale::linear, y_scale = Scale::linear;
  // Fixed axis ends; unset ends follow the data (or the contour's domain, if there is one).
  std::optional<double> x_min, x_max, y_min, y_max;
  bool show_legend = true;
  // Only whole-number ticks on x (epochs, steps).
  bool x_integer = false;
  // Tick labels on the y axis as percentages (0.5 -> "50%"), for accuracies.
  bool y_percent = false;

  // A line through (x[i], y[i]). Points that cannot be drawn (NaN, infinite, <= 0 on a log
  // axis) break the line and are reported in Rendered::warnings and the legend.
  void line(std::string name, std::vector<double> x, std::vector<double> y, LineOptions options = {});
  // A filled band between (x[i], low[i]) and (x[i], high[i]), drawn beneath every line, scatter
  // and path of the panel, in the series colour at low opacity. Give it before the line it
  // surrounds and it takes that line's colour. Where x, low or high cannot be drawn the band
  // breaks, as a line does; a low <= 0 on a log axis runs to the bottom edge. Throws ValueError
  // for lengths that differ, low > high, or an opacity outside (0, 1].
  void band(std::string name, std::vector<double> x, std::vector<double> low, std::vector<double> high,
            BandOptions options = {});
  void scatter(std::string name, std::vector<double> x, std::vector<double> y,
               std::optional<Color> color = std::nullopt);
  // A trajectory: hollow circle at the start, filled circle at the end. A non-finite point
  // ends the drawn path there (an x marks the last finite point) and is reported.
  void path(std::string name, std::vector<Point> points, std::optional<Color> color = std::nullopt);
  // A single labelled point, e.g. a function's minimum; an empty name leaves it out of the legend.
  void marker(std::string name, Point at, MarkerShape shape = MarkerShape::star);
  // At most one contour plot per panel; it fixes the axes to the grid's domain and is drawn
  // beneath everything else, with a colour bar on the right.
  void contour(Grid grid, ContourOptions options);

  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

struct Animation {
  bool enabled = false;  // paths draw themselves step by step (SMIL <animate>), then repeat
  double seconds = 8.0;  // one pass over the longest path; every path's step k is drawn together
};

struct LegendEntry;  // render.hpp

struct Rendered {
  std::string svg;
  std::vector<std::string> warnings;  // points cut from lines and paths, one line each
};

class Figure {
 public:
  // Size in pixels of the whole SVG; panels share the width equally.
  Figure(double width, double height);

  Panel& add_panel();
  std::string title;  // above all panels; optional
  Animation animation;
  // One legend for all panels, in columns under them, instead of one inside each panel: for
  // many series, where an inside legend would hide the data. Series with the same name in
  // several panels appear once.
  bool legend_below = false;

  // Throws ValueError for a figure without panels, a panel without data, mismatched x/y
  // lengths, or axis limits that do not fit the scale (e.g. y_min <= 0 on a log axis).
  Rendered render() const;

 private:
  // Draws with `legend_height` pixels kept under the panels; collects legend entries if asked.
  Rendered draw(double legend_height, std::vector<LegendEntry>* entries = nullptr) const;
  double width_, height_;
  std::deque<Panel> panels_;  // deque: add_panel() keeps earlier references valid
};

}  // namespace descent::viz
