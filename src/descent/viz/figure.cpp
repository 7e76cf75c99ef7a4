// Figure::render: lays the panels out side by side, and draws each in layers: grid, contour,
// series (clipped to the plot area), frame and labels, colour bar, legend.
#include "descent/viz/figure.hpp"

#include <algorithm>

#include "descent/core/error.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

void check_lengths(const std::string& kind, const std::string& name, std::size_t nx, std::size_t ny) {
  if (nx != ny)
    throw ValueError("plot: " + kind + " '" + name + "' needs as many x as y values, got " + std::to_string(nx) +
                     " x and " + std::to_string(ny) + " y");
}

// Whether an item is drawn in the panel's next series colour (a line, scatter or path given none).
bool takes_next_color(const Item& item) {
  if (const auto* line = std::get_if<LineItem>(&item)) return !line->options.color;
  if (const auto* scatter = std::get_if<ScatterItem>(&item)) return !scatter->color;
  if (const auto* path = std::get_if<PathItem>(&item)) return !path->color;
  return false;
}

const ContourItem* find_contour(const Panel& panel) {
  for (const Item& item : panel.items())
    if (const auto* c = std::get_if<ContourItem>(&item)) return c;
  return nullptr;
}

// Draws the lines, bands, scatter points and paths in layers (path halos, then bands, then the
// rest in the panel's order) and returns their legend entries in the panel's order. A band
// without a colour takes the one the next series gets.
std::vector<LegendEntry> draw_series(Canvas& canvas, const std::vector<Item>& items) {
  std::size_t longest = 0;
  for (const Item& item : items)
    if (const auto* path = std::get_if<PathItem>(&item)) {
      longest = std::max(longest, path->points.size());
      draw_path_halo(canvas, *path);
    }
  std::vector<std::optional<LegendEntry>> entries(items.size());
  std::size_t next_color = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (const auto* band = std::get_if<BandItem>(&items[i]))
      entries[i] = draw_band(canvas, *band, band->options.color.value_or(series_color(next_color)));
    else if (takes_next_color(items[i]))
      ++next_color;
  }
  next_color = 0;
  auto color_for = [&](const std::optional<Color>& given) { return given ? *given : series_color(next_color++); };
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (const auto* line = std::get_if<LineItem>(&items[i]))
      entries[i] = draw_line(canvas, *line, color_for(line->options.color));
    else if (const auto* scatter = std::get_if<ScatterItem>(&items[i]))
      entries[i] = draw_scatter(canvas, *scatter, color_for(scatter->color));
    else if (const auto* path = std::get_if<PathItem>(&items[i]))
      entries[i] = draw_path(canvas, *path, color_for(path->color), longest);
  }
  std::vector<LegendEntry> legend;
  for (const std::optional<LegendEntry>& entry : entries)
    if (entry) legend.push_back(*entry);
  return legend;
}

// Draws the panel and returns its legend entries (drawn inside it unless `own_legend` is false).
std::vector<LegendEntry> render_panel(SvgWriter& svg, const Panel& panel, const Rect& box, const Animation& animation,
                                      int id, bool own_legend, std::vector<std::string>& warnings) {
  const ContourItem* contour = find_contour(panel);
  AxesLayout axes = layout_axes(panel, box, contour ? colorbar_width(*contour) : 0);
  const Rect& p = axes.plot;
  std::string clip = "descent-plot-" + std::to_string(id);
  svg.open("defs");
  svg.open("clipPath", {{"id", clip}});
  svg.element("rect", {{"x", fmt(p.x0)}, {"y", fmt(p.y0)}, {"width", fmt(p.width())}, {"height", fmt(p.height())}});
  svg.close();
  svg.close();
  draw_grid(svg, axes);

  std::size_t first_warning = warnings.size();
  Canvas canvas{svg, axes, animation, warnings, {}};
  svg.open("g", {{"clip-path", "url(#" + clip + ")"}});
  if (contour) draw_contour(canvas, *contour);
  std::vector<LegendEntry> legend = draw_series(canvas, panel.items());
  // Markers last, on top of the paths that lead to them.
  for (const Item& item : panel.items())
    if (const auto* marker = std::get_if<MarkerItem>(&item)) legend.push_back(draw_marker(canvas, *marker));
  svg.close();

  draw_frame(svg, panel, axes);
  if (contour) draw_colorbar(svg, p, *contour);
  std::erase_if(legend, [](const LegendEntry& e) { return e.label.empty(); });
  if (own_legend && panel.show_legend) draw_legend(svg, p, legend, canvas.occupied);
  if (!panel.title.empty())
    for (std::size_t i = first_warning; i < warnings.size(); ++i) warnings[i] = panel.title + ": " + warnings[i];
  return legend;
}

// The figure-wide legend's entries: each name once, keeping a note (points cut) if any panel has one.
std::vector<LegendEntry> merge(const std::vector<LegendEntry>& all) {
  std::vector<LegendEntry> merged;
  for (const LegendEntry& e : all) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const LegendEntry& m) { return m.label == e.label; });
    if (same == merged.end())
      merged.push_back(e);
    else if (same->note.empty())
      same->note = e.note;
  }
  return merged;
}

}  // namespace

void Panel::line(std::string name, std::vector<double> x, std::vector<double> y, LineOptions options) {
  check_lengths("line", name, x.size(), y.size());
  items_.push_back(LineItem{std::move(name), std::move(x), std::move(y), options});
}

void Panel::band(std::string name, std::vector<double> x, std::vector<double> low, std::vector<double> high,
                 BandOptions options) {
  if (low.size() != x.size() || high.size() != x.size())
    throw ValueError("plot: band '" + name + "' needs as many low and high values as x values, got " +
                     std::to_string(x.size()) + " x, " + std::to_string(low.size()) + " low and " +
                     std::to_string(high.size()) + " high");
  for (std::size_t i = 0; i < x.size(); ++i)
    if (low[i] > high[i])
      throw ValueError("plot: band '" + name + "' needs low <= high at every x, got low " + short_number(low[i]) +
                       " > high " + short_number(high[i]) + " at index " + std::to_string(i));
  if (!(options.opacity > 0 && options.opacity <= 1))
    throw ValueError("plot: band '" + name + "' needs an opacity in (0, 1], got " + short_number(options.opacity));
  items_.push_back(BandItem{std::move(name), std::move(x), std::move(low), std::move(high), options});
}

void Panel::scatter(std::string name, std::vector<double> x, std::vector<double> y, std::optional<Color> color) {
  check_lengths("scatter", name, x.size(), y.size());
  items_.push_back(ScatterItem{std::move(name), std::move(x), std::move(y), color});
}

void Panel::path(std::string name, std::vector<Point> points, std::optional<Color> color) {
  items_.push_back(PathItem{std::move(name), std::move(points), color});
}

void Panel::marker(std::string name, Point at, MarkerShape shape) {
  items_.push_back(MarkerItem{std::move(name), at, shape});
}

void Panel::contour(Grid grid, ContourOptions options) {
  if (find_contour(*this)) throw ValueError("plot: panel '" + title + "' already has a contour plot");
  items_.push_back(ContourItem{std::move(grid), std::move(options)});
}

Figure::Figure(double width, double height) : width_(width), height_(height) {
  if (!(width >= 200 && height >= 150))
    throw ValueError("plot: a figure needs at least 200 x 150 pixels, got " + fmt(width) + " x " + fmt(height));
}

Panel& Figure::add_panel() { return panels_.emplace_back(); }

Rendered Figure::render() const {
  if (panels_.empty()) throw ValueError("plot: the figure has no panels");
  if (!legend_below) return draw(0);
  // The legend's height depends on its entries, known once the panels are drawn: draw twice.
  std::vector<LegendEntry> entries;
  draw(0, &entries);
  return draw(legend_below_height(merge(entries), width_));
}

Rendered Figure::draw(double legend_height, std::vector<LegendEntry>* entries) const {
  Rendered out;
  SvgWriter svg(width_, height_);
  // The title element names the picture for screen readers and browser tabs.
  std::string name = title.empty() ? panels_.front().title : title;
  if (!name.empty()) svg.text_element("title", {}, name);
  svg.element("rect", {{"width", "100%"}, {"height", "100%"}, {"fill", "#ffffff"}});
  double top = 0;
  if (!title.empty()) {
    svg.text_element("text",
                     {{"x", fmt(width_ / 2)},
                      {"y", "24"},
                      {"text-anchor", "middle"},
                      {"font-size", "17"},
                      {"font-weight", "bold"},
                      {"fill", "#111111"}},
                     title);
    top = 30;
  }
  double panel_width = width_ / static_cast<double>(panels_.size());
  double bottom = height_ - legend_height;
  std::vector<LegendEntry> all;
  for (std::size_t i = 0; i < panels_.size(); ++i) {
    Rect box{panel_width * static_cast<double>(i), top, panel_width * static_cast<double>(i + 1), bottom};
    std::vector<LegendEntry> legend =
        render_panel(svg, panels_[i], box, animation, static_cast<int>(i), !legend_below, out.warnings);
    all.insert(all.end(), legend.begin(), legend.end());
  }
  if (legend_below) draw_legend_below(svg, {0, bottom, width_, height_}, merge(all));
  if (entries) *entries = std::move(all);
  out.svg = svg.finish();
  return out;
}

}  // namespace descent::viz
