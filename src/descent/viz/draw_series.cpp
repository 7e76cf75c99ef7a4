// Drawing lines, scatter points, trajectories and markers on a panel. Every series is cut at
// points that cannot be drawn (segments.hpp), mapped to pixels, clipped to a little beyond the
// plot (clip.hpp; the panel's clip-path does the exact cut) and simplified to 0.3 px.
#include <algorithm>
#include <cmath>
#include <numbers>

#include "descent/viz/clip.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/segments.hpp"
#include "descent/viz/simplify.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

constexpr double tolerance = 0.3;          // pixels a simplified line may move
constexpr std::size_t marked_points = 30;  // lines with at most this many points show a dot at each

// A data-space part as simplified pixel pieces, each with its vertices' positions in the part.
std::vector<ClippedPiece> to_pixels(const Canvas& canvas, const Polyline& part) {
  Polyline pixels;
  pixels.reserve(part.size());
  for (Point p : part) pixels.push_back(canvas.pixel(p));
  const Rect& plot = canvas.axes.plot;
  Rect box{plot.x0 - 20, plot.y0 - 20, plot.x1 + 20, plot.y1 + 20};
  std::vector<ClippedPiece> pieces = clip_polyline(pixels, box);
  for (ClippedPiece& piece : pieces) {
    ClippedPiece kept;
    for (std::size_t i : simplify(piece.points, tolerance)) {
      kept.points.push_back(piece.points[i]);
      kept.position.push_back(piece.position[i]);
    }
    piece = std::move(kept);
  }
  return pieces;
}

// Records pixels along the line every ~4 px, for legend placement.
void occupy(Canvas& canvas, const Polyline& pixels) {
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    canvas.occupied.push_back(pixels[i]);
    if (i + 1 == pixels.size()) break;
    double length = std::hypot(pixels[i + 1].x - pixels[i].x, pixels[i + 1].y - pixels[i].y);
    int steps = static_cast<int>(length / 4);
    for (int k = 1; k < steps; ++k) {
      double t = static_cast<double>(k) / steps;
      canvas.occupied.push_back(
          {pixels[i].x + t * (pixels[i + 1].x - pixels[i].x), pixels[i].y + t * (pixels[i + 1].y - pixels[i].y)});
    }
  }
}

std::string cut_note(const Segments& segments) {
  return std::to_string(segments.dropped) + (segments.dropped == 1 ? " point" : " points") + " cut";
}

std::vector<double> xs(const std::vector<Point>& points) {
  std::vector<double> out;
  for (Point p : points) out.push_back(p.x);
  return out;
}
std::vector<double> ys(const std::vector<Point>& points) {
  std::vector<double> out;
  for (Point p : points) out.push_back(p.y);
  return out;
}

}  // namespace

std::string points_attribute(const Polyline& line) {
  std::string out;
  for (Point p : line) {
    if (!out.empty()) out += ' ';
    out += fmt(p.x) + "," + fmt(p.y);
  }
  return out;
}

void draw_marker_shape(SvgWriter& svg, MarkerShape shape, Point at, double size, const Color& fill) {
  switch (shape) {
    case MarkerShape::circle:
      svg.element("circle", {{"cx", fmt(at.x)},
                             {"cy", fmt(at.y)},
                             {"r", fmt(size * 0.6)},
                             {"fill", fill.hex()},
                             {"stroke", "#ffffff"},
                             {"stroke-width", "1.2"}});
      break;
    case MarkerShape::star: {
      Polyline star;
      for (int k = 0; k < 10; ++k) {
        double r = k % 2 == 0 ? size : size * 0.45;
        double angle = -std::numbers::pi / 2 + k * std::numbers::pi / 5;
        star.push_back({at.x + r * std::cos(angle), at.y + r * std::sin(angle)});
      }
      svg.element("polygon", {{"points", points_attribute(star)},
                              {"fill", fill.hex()},
                              {"stroke", "#000000"},
                              {"stroke-width", "1.2"},
                              {"stroke-linejoin", "round"}});
      break;
    }
    case MarkerShape::cross: {
      double r = size * 0.6;
      std::string d = std::string("M") + fmt(at.x - r) + ',' + fmt(at.y - r);
      d += std::string("L") + fmt(at.x + r) + ',' + fmt(at.y + r);
      d += std::string("M") + fmt(at.x - r) + ',' + fmt(at.y + r);
      d += std::string("L") + fmt(at.x + r) + ',' + fmt(at.y - r);
      svg.element("path", {{"d", d}, {"stroke", "#ffffff"}, {"stroke-width", "5"}, {"stroke-linecap", "round"}});
      svg.element("path", {{"d", d}, {"stroke", fill.hex()}, {"stroke-width", "2.5"}, {"stroke-linecap", "round"}});
      break;
    }
  }
}

LegendEntry draw_line(Canvas& canvas, const LineItem& item, const Color& color) {
  Segments segments = split_drawable(item.x, item.y, canvas.axes.x, canvas.axes.y);
  LegendEntry entry{.label = item.name,
                    .color = color,
                    .swatch = item.options.dashed ? LegendEntry::Swatch::dashed_line : LegendEntry::Swatch::line};
  if (segments.dropped > 0) {
    entry.note = cut_note(segments);
    canvas.warnings.push_back("line '" + item.name + "': " + cut_note(segments) +
                              " (NaN, infinite, or <= 0 on a log axis); first at index " +
                              std::to_string(segments.first_dropped));
  }
  Attributes style = {{"fill", "none"},
                      {"stroke", color.hex()},
                      {"stroke-width", fmt(item.options.width)},
                      {"stroke-linejoin", "round"},
                      {"stroke-linecap", "round"}};
  if (item.options.dashed) style.push_back({"stroke-dasharray", "6 4"});
  canvas.svg.open("g", style);
  for (const Polyline& part : segments.parts)
    for (const ClippedPiece& piece : to_pixels(canvas, part)) {
      canvas.svg.element("polyline", {{"points", points_attribute(piece.points)}});
      occupy(canvas, piece.points);
    }
  canvas.svg.close();
  if (item.x.size() <= marked_points) {
    canvas.svg.open("g", {{"fill", color.hex()}});
    for (const Polyline& part : segments.parts)
      for (Point p : part) {
        Point q = canvas.pixel(p);
        if (canvas.axes.plot.contains(q))
          canvas.svg.element("circle", {{"cx", fmt(q.x)}, {"cy", fmt(q.y)}, {"r", "3"}});
      }
    canvas.svg.close();
  }
  return entry;
}

LegendEntry draw_scatter(Canvas& canvas, const ScatterItem& item, const Color& color) {
  Segments segments = split_drawable(item.x, item.y, canvas.axes.x, canvas.axes.y);
  LegendEntry entry{.label = item.name, .color = color, .swatch = LegendEntry::Swatch::dot};
  if (segments.dropped > 0) {
    entry.note = cut_note(segments);
    canvas.warnings.push_back("scatter '" + item.name + "': " + cut_note(segments) +
                              " (NaN, infinite, or <= 0 on a log axis); first at index " +
                              std::to_string(segments.first_dropped));
  }
  canvas.svg.open("g", {{"fill", color.hex()}, {"fill-opacity", "0.8"}});
  for (const Polyline& part : segments.parts)
    for (Point p : part) {
      Point q = canvas.pixel(p);
      if (!canvas.axes.plot.contains(q)) continue;
      canvas.svg.element("circle", {{"cx", fmt(q.x)}, {"cy", fmt(q.y)}, {"r", "3.5"}});
      canvas.occupied.push_back(q);
    }
  canvas.svg.close();
  return entry;
}

// The pixel pieces of a trajectory up to its first undrawable point (what follows that is not
// a path), or nothing if its start cannot be drawn.
std::vector<ClippedPiece> path_pieces(const Canvas& canvas, const Segments& segments) {
  if (segments.parts.empty() || segments.starts[0] != 0) return {};
  return to_pixels(canvas, segments.parts[0]);
}

void draw_path_halo(Canvas& canvas, const PathItem& item) {
  std::vector<double> x = xs(item.points), y = ys(item.points);
  bool animate = canvas.animation.enabled;
  for (const ClippedPiece& piece : path_pieces(canvas, split_drawable(x, y, canvas.axes.x, canvas.axes.y)))
    canvas.svg.element("polyline", {{"points", points_attribute(piece.points)},
                                    {"fill", "none"},
                                    {"stroke", "#ffffff"},
                                    {"stroke-width", "4.5"},
                                    {"stroke-opacity", animate ? "0.4" : "0.85"},
                                    {"stroke-linejoin", "round"}});
}

LegendEntry draw_path(Canvas& canvas, const PathItem& item, const Color& color, std::size_t longest) {
  std::vector<double> x = xs(item.points), y = ys(item.points);
  Segments segments = split_drawable(x, y, canvas.axes.x, canvas.axes.y);
  LegendEntry entry{.label = item.name, .color = color, .swatch = LegendEntry::Swatch::path};
  bool diverged = segments.dropped > 0;
  if (diverged) {
    std::size_t step = static_cast<std::size_t>(segments.first_dropped);
    entry.note = "diverged at step " + std::to_string(step);
    canvas.warnings.push_back("path '" + item.name + "': point " + std::to_string(step) + " is (" +
                              short_number(x[step]) + ", " + short_number(y[step]) +
                              "); the path is drawn up to the last finite point before it");
  }
  std::vector<ClippedPiece> pieces = path_pieces(canvas, segments);
  if (pieces.empty()) return entry;
  const Polyline& part = segments.parts[0];
  std::string hex = color.hex();
  bool animate = canvas.animation.enabled && longest > 1;
  for (const ClippedPiece& piece : pieces) {
    std::string points = points_attribute(piece.points);
    canvas.svg.element("polyline", {{"points", points},
                                    {"fill", "none"},
                                    {"stroke", hex},
                                    {"stroke-width", "2"},
                                    {"stroke-opacity", animate ? "0.35" : "1"},
                                    {"stroke-linejoin", "round"}});
    occupy(canvas, piece.points);
  }
  if (animate) {
    // Step k of every path is reached at the same moment; the last 15% holds the finished paths.
    double steps = static_cast<double>(longest - 1);
    for (const ClippedPiece& piece : pieces) {
      std::vector<double> times, cumulative = {0};
      for (std::size_t i = 0; i < piece.points.size(); ++i) {
        times.push_back(std::min(1.0, 0.85 * piece.position[i] / steps));
        if (i > 0)
          cumulative.push_back(cumulative.back() + std::hypot(piece.points[i].x - piece.points[i - 1].x,
                                                              piece.points[i].y - piece.points[i - 1].y));
      }
      std::string length = fmt(std::max(cumulative.back(), 0.01));
      canvas.svg.open("polyline", {{"points", points_attribute(piece.points)},
                                   {"fill", "none"},
                                   {"stroke", hex},
                                   {"stroke-width", "2.5"},
                                   {"stroke-linejoin", "round"},
                                   {"stroke-dasharray", length + " " + length},
                                   {"stroke-dashoffset", length}});
      canvas.svg.raw(reveal_animation(cumulative, times, canvas.animation.seconds));
      canvas.svg.close();
      canvas.svg.open("circle", {{"r", "4.5"}, {"fill", hex}, {"stroke", "#ffffff"}, {"stroke-width", "1.5"}});
      canvas.svg.raw(motion_animation(piece.points, times, canvas.animation.seconds));
      canvas.svg.close();
    }
  }
  // Start: hollow circle; end: filled circle, or a cross where the path diverged.
  Point start = canvas.pixel(part.front()), end = canvas.pixel(part.back());
  if (canvas.axes.plot.contains(start))
    canvas.svg.element("circle", {{"cx", fmt(start.x)},
                                  {"cy", fmt(start.y)},
                                  {"r", "5"},
                                  {"fill", "#ffffff"},
                                  {"stroke", hex},
                                  {"stroke-width", "2.5"}});
  if (canvas.axes.plot.contains(end)) {
    if (diverged)
      draw_marker_shape(canvas.svg, MarkerShape::cross, end, 9, color);
    else if (!animate)
      draw_marker_shape(canvas.svg, MarkerShape::circle, end, 8, color);
  }
  return entry;
}

LegendEntry draw_marker(Canvas& canvas, const MarkerItem& item) {
  const Color fill = item.shape == MarkerShape::star ? Color{1, 1, 1} : series_color(6);
  Point at = canvas.pixel(item.at);
  if (canvas.axes.x.drawable(item.at.x) && canvas.axes.y.drawable(item.at.y) && canvas.axes.plot.contains(at)) {
    draw_marker_shape(canvas.svg, item.shape, at, 9, fill);
    canvas.occupied.push_back(at);
  }
  return {.label = item.name, .color = fill, .swatch = LegendEntry::Swatch::marker, .shape = item.shape};
}

}  // namespace descent::viz
