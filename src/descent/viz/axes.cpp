// Axes: the data range of a panel, its ticks and margins, and drawing the frame around it.
#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

constexpr double tick_font = 12, label_font = 13, title_font = 15;
constexpr double tick_length = 5;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v, Scale scale) {
    if (!std::isfinite(v) || (scale == Scale::log && v <= 0)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// The data range along x (axis 0) or y (axis 1): a contour's domain if there is one,
// otherwise every drawable value of every item.
Range data_range(const Panel& panel, int axis, Scale scale, bool& from_contour) {
  Range range;
  from_contour = false;
  for (const Item& item : panel.items())
    if (const auto* c = std::get_if<ContourItem>(&item)) {
      range.add(axis == 0 ? c->grid.domain.x0 : c->grid.domain.y0, scale);
      range.add(axis == 0 ? c->grid.domain.x1 : c->grid.domain.y1, scale);
      from_contour = true;
      return range;
    }
  for (const Item& item : panel.items()) {
    if (const auto* l = std::get_if<LineItem>(&item))
      for (double v : axis == 0 ? l->x : l->y) range.add(v, scale);
    if (const auto* b = std::get_if<BandItem>(&item))
      for (const std::vector<double>* values : axis == 0 ? std::vector{&b->x} : std::vector{&b->low, &b->high})
        for (double v : *values) range.add(v, scale);
    if (const auto* s = std::get_if<ScatterItem>(&item))
      for (double v : axis == 0 ? s->x : s->y) range.add(v, scale);
    if (const auto* p = std::get_if<PathItem>(&item))
      for (Point q : p->points) range.add(axis == 0 ? q.x : q.y, scale);
    if (const auto* m = std::get_if<MarkerItem>(&item)) range.add(axis == 0 ? m->at.x : m->at.y, scale);
  }
  return range;
}

// The shown range: explicit limits win; data gets a margin of `pad` of its span (in log10 on a
// log axis) so end points and markers are not cut by the frame; a flat range is widened.
AxisScale make_scale(const Panel& panel, int axis, double pad) {
  Scale kind = axis == 0 ? panel.x_scale : panel.y_scale;
  std::optional<double> fixed_lo = axis == 0 ? panel.x_min : panel.y_min;
  std::optional<double> fixed_hi = axis == 0 ? panel.x_max : panel.y_max;
  const char* name = axis == 0 ? "x" : "y";
  bool from_contour = false;
  Range range = data_range(panel, axis, kind, from_contour);
  if (range.empty() && !(fixed_lo && fixed_hi))
    throw ValueError("plot: panel '" + panel.title + "' has no drawable " + name + " values" +
                     (kind == Scale::log ? " (a log axis needs values > 0)" : ""));
  double lo = range.lo, hi = range.hi;
  auto forward = [&](double v) { return kind == Scale::log ? std::log10(v) : v; };
  auto inverse = [&](double v) { return kind == Scale::log ? std::pow(10.0, v) : v; };
  if (!range.empty() && !from_contour) {
    double a = forward(lo), b = forward(hi);
    // A flat series is centred in a window of a factor of 4 (log), +-10% or +-1 (linear).
    double flat = kind == Scale::log ? 0.3 : (a == 0 ? 1.0 : std::abs(a) * 0.1);
    double margin = b > a ? (b - a) * pad : flat;
    lo = inverse(a - margin);
    hi = inverse(b + margin);
  }
  if (fixed_lo) lo = *fixed_lo;
  if (fixed_hi) hi = *fixed_hi;
  if (!(lo < hi) || !std::isfinite(lo) || !std::isfinite(hi) || (kind == Scale::log && lo <= 0))
    throw ValueError("plot: panel '" + panel.title + "': " + name + " axis range [" + short_number(lo) + ", " +
                     short_number(hi) + "] does not fit a " + to_string(kind) + " axis (expected " +
                     (kind == Scale::log ? "0 < " : "") + "min < max)");
  return {kind, lo, hi, 0, 1};
}

std::vector<double> ticks_for(const AxisScale& scale, double pixels, double spacing) {
  int target = std::max(2, static_cast<int>(pixels / spacing));
  return scale.kind == Scale::log ? log_ticks(scale.lo, scale.hi, target) : linear_ticks(scale.lo, scale.hi, target);
}

// Whole numbers only (epochs, steps) when the nice step would be fractional.
std::vector<double> integer_ticks(const std::vector<double>& ticks, const AxisScale& scale) {
  if (ticks.size() < 2 || ticks[1] - ticks[0] >= 1) return ticks;
  std::vector<double> whole;
  for (double v = std::ceil(scale.lo); v <= scale.hi; ++v) whole.push_back(v);
  return whole.empty() ? ticks : whole;
}

std::vector<std::string> labels_for(const AxisScale& scale, const std::vector<double>& ticks, bool percent) {
  std::vector<std::string> labels;
  double step = ticks.size() >= 2 ? ticks[1] - ticks[0] : std::max(std::abs(scale.hi - scale.lo), 1e-12);
  for (double v : ticks) {
    if (percent)
      labels.push_back(format_tick(v * 100, step * 100) + "%");
    else if (scale.kind == Scale::log)
      labels.push_back(short_number(v));
    else
      labels.push_back(format_tick(v, step));
  }
  return labels;
}

}  // namespace

double text_width(std::string_view text, double font_size) {
  // Advance widths of DejaVu Sans in em, by character class (rounded up a little).
  double em = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: counted with its lead byte
    if (std::string_view("iljtfr.,:;!|' ()[]").find(static_cast<char>(c)) != std::string_view::npos)
      em += 0.4;
    else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@')
      em += 0.98;
    else if (c >= 'A' && c <= 'Z')
      em += 0.72;
    else
      em += 0.64;
  }
  return em * font_size;
}

AxesLayout layout_axes(const Panel& panel, const Rect& box, double reserve_right) {
  bool has_contour = false;
  for (const Item& item : panel.items()) has_contour |= std::holds_alternative<ContourItem>(item);
  AxesLayout axes;
  axes.x = make_scale(panel, 0, has_contour ? 0 : 0.03);
  axes.y = make_scale(panel, 1, 0.06);

  // Ticks on y first (their labels set the left margin), from a first guess of the height.
  double top = box.y0 + (panel.title.empty() ? 14 : 34);
  double bottom = box.y1 - (tick_length + 6 + tick_font + (panel.x_label.empty() ? 8 : 8 + label_font + 8));
  axes.y_ticks = ticks_for(axes.y, bottom - top, 48);
  axes.y_labels = labels_for(axes.y, axes.y_ticks, panel.y_percent);
  double widest = 0;
  for (const auto& label : axes.y_labels) widest = std::max(widest, text_width(label, tick_font));
  double left = box.x0 + 10 + (panel.y_label.empty() ? 0 : label_font + 10) + widest + tick_length + 4;
  double right = box.x1 - 18 - reserve_right;
  axes.plot = {left, top, right, bottom};
  axes.x.pixel_lo = left;
  axes.x.pixel_hi = right;
  axes.y.pixel_lo = bottom;
  axes.y.pixel_hi = top;

  // Ticks on x: fewer when their labels are wide, so neighbours never touch.
  double spacing = 70;
  for (int attempt = 0; attempt < 4; ++attempt) {
    axes.x_ticks = ticks_for(axes.x, right - left, spacing);
    if (panel.x_integer && axes.x.kind == Scale::linear) axes.x_ticks = integer_ticks(axes.x_ticks, axes.x);
    axes.x_labels = labels_for(axes.x, axes.x_ticks, false);
    double widest_x = 0;
    for (const auto& label : axes.x_labels) widest_x = std::max(widest_x, text_width(label, tick_font));
    double gap =
        axes.x_ticks.size() >= 2 ? std::abs(axes.x.map(axes.x_ticks[1]) - axes.x.map(axes.x_ticks[0])) : right - left;
    if (gap >= widest_x + 10) break;
    spacing *= 1.6;
  }
  return axes;
}

// Fainter lines at 2..9 x 10^k when a log axis is ticked every decade, so values between
// ticks can be read.
std::vector<double> minor_log_lines(const AxisScale& scale, const std::vector<double>& ticks) {
  std::vector<double> minor;
  if (scale.kind != Scale::log || ticks.size() < 2 || std::abs(ticks[1] / ticks[0] - 10) > 1e-6) return minor;
  for (int k = static_cast<int>(std::floor(std::log10(scale.lo)));
       k <= static_cast<int>(std::ceil(std::log10(scale.hi))); ++k)
    for (int m = 2; m <= 9; ++m) {
      double v = m * std::pow(10.0, k);
      if (v > scale.lo && v < scale.hi) minor.push_back(v);
    }
  return minor;
}

void draw_grid(SvgWriter& svg, const AxesLayout& axes) {
  const Rect& p = axes.plot;
  svg.element("rect", {{"x", fmt(p.x0)},
                       {"y", fmt(p.y0)},
                       {"width", fmt(p.width())},
                       {"height", fmt(p.height())},
                       {"fill", "#ffffff"}});
  auto vertical = [&](double x) {
    svg.element("line", {{"x1", fmt(x)}, {"y1", fmt(p.y0)}, {"x2", fmt(x)}, {"y2", fmt(p.y1)}});
  };
  auto horizontal = [&](double y) {
    svg.element("line", {{"x1", fmt(p.x0)}, {"y1", fmt(y)}, {"x2", fmt(p.x1)}, {"y2", fmt(y)}});
  };
  std::vector<double> minor_x = minor_log_lines(axes.x, axes.x_ticks);
  std::vector<double> minor_y = minor_log_lines(axes.y, axes.y_ticks);
  if (!minor_x.empty() || !minor_y.empty()) {
    svg.open("g", {{"stroke", "#f1f1f1"}, {"stroke-width", "1"}});
    for (double v : minor_x) vertical(axes.x.map(v));
    for (double v : minor_y) horizontal(axes.y.map(v));
    svg.close();
  }
  svg.open("g", {{"stroke", "#e3e3e3"}, {"stroke-width", "1"}});
  for (double t : axes.x_ticks) vertical(axes.x.map(t));
  for (double t : axes.y_ticks) horizontal(axes.y.map(t));
  svg.close();
}

// Drawn after the data, so the frame and labels sit on top of it.
void draw_frame(SvgWriter& svg, const Panel& panel, const AxesLayout& axes) {
  const Rect& p = axes.plot;
  svg.element("rect", {{"x", fmt(p.x0)},
                       {"y", fmt(p.y0)},
                       {"width", fmt(p.width())},
                       {"height", fmt(p.height())},
                       {"fill", "none"},
                       {"stroke", "#444444"},
                       {"stroke-width", "1"}});
  svg.open("g", {{"stroke", "#444444"}, {"stroke-width", "1"}});
  for (double t : axes.x_ticks) {
    double x = axes.x.map(t);
    svg.element("line", {{"x1", fmt(x)}, {"y1", fmt(p.y1)}, {"x2", fmt(x)}, {"y2", fmt(p.y1 + tick_length)}});
  }
  for (double t : axes.y_ticks) {
    double y = axes.y.map(t);
    svg.element("line", {{"x1", fmt(p.x0 - tick_length)}, {"y1", fmt(y)}, {"x2", fmt(p.x0)}, {"y2", fmt(y)}});
  }
  svg.close();
  svg.open("g", {{"font-size", fmt(tick_font)}, {"fill", "#222222"}});
  for (size_t i = 0; i < axes.x_ticks.size(); ++i)
    svg.text_element("text",
                     {{"x", fmt(axes.x.map(axes.x_ticks[i]))},
                      {"y", fmt(p.y1 + tick_length + 3 + tick_font)},
                      {"text-anchor", "middle"}},
                     axes.x_labels[i]);
  for (size_t i = 0; i < axes.y_ticks.size(); ++i)
    svg.text_element("text",
                     {{"x", fmt(p.x0 - tick_length - 4)},
                      {"y", fmt(axes.y.map(axes.y_ticks[i]) + tick_font * 0.35)},
                      {"text-anchor", "end"}},
                     axes.y_labels[i]);
  svg.close();
  if (!panel.x_label.empty())
    svg.text_element("text",
                     {{"x", fmt((p.x0 + p.x1) / 2)},
                      {"y", fmt(p.y1 + tick_length + 6 + tick_font + 8 + label_font)},
                      {"text-anchor", "middle"},
                      {"font-size", fmt(label_font)},
                      {"fill", "#222222"}},
                     panel.x_label);
  if (!panel.y_label.empty()) {
    double widest = 0;
    for (const auto& label : axes.y_labels) widest = std::max(widest, text_width(label, tick_font));
    double x = p.x0 - tick_length - 4 - widest - 10;
    double y = (p.y0 + p.y1) / 2;
    svg.text_element("text",
                     {{"x", fmt(x)},
                      {"y", fmt(y)},
                      {"text-anchor", "middle"},
                      {"font-size", fmt(label_font)},
                      {"fill", "#222222"},
                      {"transform", "rotate(-90 " + fmt(x) + " " + fmt(y) + ")"}},
                     panel.y_label);
  }
  if (!panel.title.empty())
    svg.text_element("text",
                     {{"x", fmt((p.x0 + p.x1) / 2)},
                      {"y", fmt(p.y0 - 12)},
                      {"text-anchor", "middle"},
                      {"font-size", fmt(title_font)},
                      {"font-weight", "bold"},
                      {"fill", "#111111"}},
                     panel.title);
}

}  // namespace descent::viz
