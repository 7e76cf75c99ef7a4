// Drawing a contour plot: filled bands painted from the highest level down (each level's
// region {f < level} over the previous), grey where the function is undefined, thin level
// lines on top, and a colour bar whose cells are the bands, labelled with the levels between
// them.
#include <algorithm>
#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/contour.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/simplify.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

constexpr double bar_gap = 14, bar_width = 14, label_font = 11;

// Band k lies between levels k-1 and k (band 0 below the lowest level, band m above the
// highest). Viridis from dark (low) to yellow (high), lightened so paths stand out; lines
// stop short of the palest yellow, which vanishes on white.
Color band_color(std::size_t band, std::size_t levels, bool filled) {
  double t = levels == 0 ? 0.5 : static_cast<double>(band) / static_cast<double>(levels);
  return filled ? lighten(viridis(0.05 + 0.95 * t), 0.3) : viridis(0.85 * t);
}

// An SVG path through rings or lines in pixels, simplified to 0.3 px; "Z" closes rings.
std::string path_data(const Canvas& canvas, const std::vector<Polyline>& lines, bool closed) {
  std::string d;
  for (const Polyline& line : lines) {
    Polyline pixels;
    for (Point p : line) pixels.push_back(canvas.pixel(p));
    if (closed) pixels.push_back(pixels.front());
    std::vector<std::size_t> kept = simplify(pixels, 0.3);
    for (std::size_t k = 0; k < kept.size(); ++k) {
      d += k == 0 ? 'M' : 'L';
      d += fmt(pixels[kept[k]].x);
      d += ',';
      d += fmt(pixels[kept[k]].y);
    }
    if (closed) d += 'Z';
  }
  return d;
}

std::vector<std::string> level_labels(const std::vector<double>& levels) {
  std::vector<std::string> labels;
  for (double v : levels) labels.push_back(short_number(v));
  return labels;
}

void check_levels(const std::vector<double>& levels) {
  if (levels.empty()) throw ValueError("contour: no levels given (use log_levels or linear_levels)");
  for (std::size_t k = 0; k < levels.size(); ++k) {
    if (!std::isfinite(levels[k])) throw ValueError("contour: level " + std::to_string(k) + " is not finite");
    if (k > 0 && !(levels[k] > levels[k - 1]))
      throw ValueError("contour: levels must be strictly ascending, got " + short_number(levels[k - 1]) + " then " +
                       short_number(levels[k]));
  }
}

}  // namespace

double colorbar_width(const ContourItem& item) {
  double widest = 0;
  for (const auto& label : level_labels(item.options.levels)) widest = std::max(widest, text_width(label, label_font));
  return bar_gap + bar_width + 5 + widest + 8 + 16;
}

void draw_contour(Canvas& canvas, const ContourItem& item) {
  const std::vector<double>& levels = item.options.levels;
  check_levels(levels);
  const Rect& plot = canvas.axes.plot;
  std::size_t m = levels.size();
  SvgWriter& svg = canvas.svg;
  if (item.options.filled) {
    svg.element("rect", {{"x", fmt(plot.x0)},
                         {"y", fmt(plot.y0)},
                         {"width", fmt(plot.width())},
                         {"height", fmt(plot.height())},
                         {"fill", band_color(m, m, true).hex()}});
    for (std::size_t k = m; k-- > 0;) {
      std::string d = path_data(canvas, region_below(item.grid, levels[k]), true);
      if (!d.empty()) svg.element("path", {{"d", d}, {"fill", band_color(k, m, true).hex()}, {"fill-rule", "evenodd"}});
    }
    // Where the function is undefined (NaN), grey rather than the top band's colour: the
    // region below 0.5 of an indicator that is 0 at NaN samples and 1 elsewhere.
    Grid undefined = item.grid;
    bool any = false;
    for (double& v : undefined.z) {
      any |= std::isnan(v);
      v = std::isnan(v) ? 0.0 : 1.0;
    }
    if (any) {
      std::string d = path_data(canvas, region_below(undefined, 0.5), true);
      if (!d.empty()) svg.element("path", {{"d", d}, {"fill", "#d4d4d4"}, {"fill-rule", "evenodd"}});
    }
  }
  svg.open("g", {{"fill", "none"}, {"stroke-linejoin", "round"}});
  for (std::size_t k = 0; k < m; ++k) {
    std::vector<Polyline> open_lines, rings;
    for (auto& line : contour_lines(item.grid, levels[k]))
      (line.closed ? rings : open_lines).push_back(std::move(line.points));
    std::string d = path_data(canvas, rings, true) + path_data(canvas, open_lines, false);
    if (d.empty()) continue;
    if (item.options.filled)
      svg.element("path", {{"d", d}, {"stroke", "#000000"}, {"stroke-opacity", "0.22"}, {"stroke-width", "0.7"}});
    else
      svg.element("path", {{"d", d}, {"stroke", band_color(k, m - 1, false).hex()}, {"stroke-width", "1.3"}});
  }
  svg.close();
}

// The colour bar right of the plot: one cell per band (per level for line contours), bottom
// to top, level values at the cell boundaries, thinned so labels never overlap.
void draw_colorbar(SvgWriter& svg, const Rect& plot, const ContourItem& item) {
  const std::vector<double>& levels = item.options.levels;
  std::size_t m = levels.size();
  bool filled = item.options.filled;
  std::size_t cells = filled ? m + 1 : m;
  double x = plot.x1 + bar_gap;
  double cell = plot.height() / static_cast<double>(cells);
  for (std::size_t c = 0; c < cells; ++c) {
    Color color = filled ? band_color(c, m, true) : band_color(c, m - 1, false);
    double y = plot.y1 - cell * static_cast<double>(c + 1);
    svg.element("rect", {{"x", fmt(x)},
                         {"y", fmt(y)},
                         {"width", fmt(bar_width)},
                         {"height", fmt(cell + 0.5)},
                         {"fill", color.hex()}});
  }
  svg.element("rect", {{"x", fmt(x)},
                       {"y", fmt(plot.y0)},
                       {"width", fmt(bar_width)},
                       {"height", fmt(plot.height())},
                       {"fill", "none"},
                       {"stroke", "#444444"}});
  // Filled: level k sits on the boundary above cell k; lines: at the middle of cell k.
  auto level_y = [&](std::size_t k) {
    return filled ? plot.y1 - cell * static_cast<double>(k + 1) : plot.y1 - cell * (static_cast<double>(k) + 0.5);
  };
  std::size_t stride = static_cast<std::size_t>(std::ceil((label_font + 3) / cell));
  std::vector<std::string> labels = level_labels(levels);
  svg.open("g", {{"font-size", fmt(label_font)}, {"fill", "#222222"}});
  for (std::size_t k = 0; k < m; k += std::max<std::size_t>(stride, 1)) {
    double y = level_y(k);
    svg.element("line", {{"x1", fmt(x + bar_width)},
                         {"y1", fmt(y)},
                         {"x2", fmt(x + bar_width + 3)},
                         {"y2", fmt(y)},
                         {"stroke", "#444444"}});
    svg.text_element("text", {{"x", fmt(x + bar_width + 5)}, {"y", fmt(y + label_font * 0.35)}}, labels[k]);
  }
  svg.close();
  double widest = 0;
  for (const auto& label : labels) widest = std::max(widest, text_width(label, label_font));
  double tx = x + bar_width + 5 + widest + 8 + 10, ty = (plot.y0 + plot.y1) / 2;
  svg.text_element("text",
                   {{"x", fmt(tx)},
                    {"y", fmt(ty)},
                    {"text-anchor", "middle"},
                    {"font-size", "12"},
                    {"fill", "#222222"},
                    {"transform", "rotate(-90 " + fmt(tx) + " " + fmt(ty) + ")"}},
                   item.options.colorbar_label);
}

}  // namespace descent::viz
