// Bands: the region between a low and a high curve (a mean ± one standard deviation over seeds,
// a confidence interval) as a closed polygon in the series colour at low opacity: along the
// high curve left to right, back along the low curve. Undrawable points break it into pieces,
// as they break a line; each piece is clipped to a little beyond the plot (Sutherland-Hodgman,
// clip.hpp) and the panel's clip-path does the exact cut.
#include <optional>

#include "descent/viz/clip.hpp"
#include "descent/viz/render.hpp"

namespace descent::viz {
namespace {

constexpr double beyond = 20;  // pixels outside the plot that a clipped band may keep

// The pixel row of an edge value: its place on the axis; for a value <= 0 on a log axis, which
// lies infinitely far down, a row past the bottom edge (the band runs off the plot); nothing for
// a value that cannot be placed at all (NaN, infinite).
std::optional<double> edge_pixel(const AxisScale& y, double value) {
  if (y.drawable(value)) return y.map(value);
  if (y.kind == Scale::log && value <= 0) return y.pixel_lo + (y.pixel_lo > y.pixel_hi ? 1.5 : -1.5) * beyond;
  return std::nullopt;
}

struct Column {  // one x of the band in pixels, from its high edge to its low edge
  double x, high, low;
};

// Maximal runs of drawable columns; counts and locates the undrawable ones.
std::vector<std::vector<Column>> drawable_runs(const Canvas& canvas, const BandItem& item, std::size_t& dropped,
                                               std::ptrdiff_t& first_dropped) {
  std::vector<std::vector<Column>> runs(1);
  for (std::size_t i = 0; i < item.x.size(); ++i) {
    std::optional<double> high = edge_pixel(canvas.axes.y, item.high[i]), low = edge_pixel(canvas.axes.y, item.low[i]);
    if (canvas.axes.x.drawable(item.x[i]) && high && low) {
      runs.back().push_back({canvas.axes.x.map(item.x[i]), *high, *low});
      continue;
    }
    if (dropped++ == 0) first_dropped = static_cast<std::ptrdiff_t>(i);
    if (!runs.back().empty()) runs.emplace_back();
  }
  std::erase_if(runs, [](const std::vector<Column>& run) { return run.size() < 2; });
  return runs;
}

// Along the high edge left to right, then back along the low edge.
Polyline outline(const std::vector<Column>& run) {
  Polyline polygon;
  for (const Column& c : run) polygon.push_back({c.x, c.high});
  for (auto c = run.rbegin(); c != run.rend(); ++c) polygon.push_back({c->x, c->low});
  return polygon;
}

}  // namespace

LegendEntry draw_band(Canvas& canvas, const BandItem& item, const Color& color) {
  LegendEntry entry{.label = item.name,
                    .color = color,
                    .swatch = LegendEntry::Swatch::band,
                    .opacity = item.options.opacity};
  std::size_t dropped = 0;
  std::ptrdiff_t first_dropped = -1;
  const std::vector<std::vector<Column>> runs = drawable_runs(canvas, item, dropped, first_dropped);
  if (dropped > 0) {
    entry.note = std::to_string(dropped) + (dropped == 1 ? " point" : " points") + " cut";
    canvas.warnings.push_back("band '" + item.name + "': " + entry.note +
                              " (NaN or infinite, or x or high <= 0 on a log axis); first at index " +
                              std::to_string(first_dropped));
  }
  const Rect& plot = canvas.axes.plot;
  const Rect box{plot.x0 - beyond, plot.y0 - beyond, plot.x1 + beyond, plot.y1 + beyond};
  canvas.svg.open("g", {{"fill", color.hex()}, {"fill-opacity", fmt(item.options.opacity)}, {"stroke", "none"}});
  for (const std::vector<Column>& run : runs) {
    const Polyline polygon = clip_polygon(outline(run), box);
    if (polygon.size() < 3) continue;
    canvas.svg.element("polygon", {{"points", points_attribute(polygon)}});
    for (Point p : polygon)
      if (plot.contains(p)) canvas.occupied.push_back(p);
  }
  canvas.svg.close();
  return entry;
}

}  // namespace descent::viz
