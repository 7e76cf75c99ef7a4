// The confusion matrix heat map (sklearn's ConfusionMatrixDisplay, viridis, row-normalized
// colours as its normalize="true").
#include "descent/viz/confusion_plot.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "descent/core/error.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/svg.hpp"

namespace descent::viz {
namespace {

constexpr double kFont = 12, kLabelFont = 13, kTitleFont = 15;
constexpr double kBarGap = 16, kBarWidth = 14, kBarLabels = 44;
constexpr std::size_t kBarStops = 9;

// Where the pieces go, from the class count and the names' widths.
struct Layout {
  double cell = 0, left = 0, top = 0, name_height = 0;
  bool rotate_names = false;  // column names turned 45° when they do not fit a cell
  double width = 0, height = 0;
  double grid_size(std::size_t classes) const { return cell * static_cast<double>(classes); }
};

Layout layout_for(const std::vector<std::string>& names, const std::string& title) {
  Layout l;
  const auto classes = static_cast<double>(names.size());
  l.cell = std::clamp(440.0 / classes, 22.0, 56.0);
  double widest = 0;
  for (const std::string& name : names) widest = std::max(widest, text_width(name, kFont));
  l.rotate_names = widest > l.cell - 4;
  l.name_height = l.rotate_names ? widest * 0.71 + kFont : kFont + 4;
  l.left = 12 + kLabelFont + 10 + widest + 8;
  l.top = title.empty() ? 16 : 16 + kTitleFont + 14;
  l.width = std::ceil(std::max(l.left + l.grid_size(names.size()) + kBarGap + kBarWidth + kBarLabels,
                               text_width(title, kTitleFont) + 32));
  l.height = std::ceil(l.top + l.grid_size(names.size()) + 6 + l.name_height + 10 + kLabelFont + 12);
  return l;
}

std::string percent(double share) { return fmt(100 * share) + "%"; }

void draw_cells(SvgWriter& svg, const Layout& l, const std::vector<int64_t>& counts,
                const std::vector<std::string>& names) {
  const std::size_t k = names.size();
  const double font = std::min(kFont, l.cell * 0.34);
  for (std::size_t row = 0; row < k; ++row) {
    const auto first = counts.begin() + static_cast<std::ptrdiff_t>(row * k);
    const int64_t support = std::accumulate(first, first + static_cast<std::ptrdiff_t>(k), int64_t{0});
    for (std::size_t col = 0; col < k; ++col) {
      const int64_t count = counts[row * k + col];
      const double share = support == 0 ? 0.0 : static_cast<double>(count) / static_cast<double>(support);
      const double x = l.left + l.cell * static_cast<double>(col), y = l.top + l.cell * static_cast<double>(row);
      svg.open("g");
      svg.text_element("title", {},
                       "true " + names[row] + ", predicted " + names[col] + ": " + std::to_string(count) + " (" +
                           percent(share) + " of " + names[row] + ")");
      svg.element("rect", {{"x", fmt(x)},
                           {"y", fmt(y)},
                           {"width", fmt(l.cell)},
                           {"height", fmt(l.cell)},
                           {"fill", viridis(share).hex()}});
      svg.text_element("text",
                       {{"x", fmt(x + l.cell / 2)},
                        {"y", fmt(y + l.cell / 2 + font * 0.35)},
                        {"text-anchor", "middle"},
                        {"font-size", fmt(font)},
                        {"fill", share < 0.55 ? "#ffffff" : "#222222"}},
                       std::to_string(count));
      svg.close();
    }
  }
}

void draw_names(SvgWriter& svg, const Layout& l, const std::vector<std::string>& names) {
  const double grid = l.grid_size(names.size());
  svg.open("g", {{"font-size", fmt(kFont)}, {"fill", "#222222"}});
  for (std::size_t c = 0; c < names.size(); ++c) {
    const double middle = l.cell * (static_cast<double>(c) + 0.5);
    svg.text_element("text",
                     {{"x", fmt(l.left - 8)}, {"y", fmt(l.top + middle + kFont * 0.35)}, {"text-anchor", "end"}},
                     names[c]);
    const double x = l.left + middle, y = l.top + grid + 6 + kFont;
    if (l.rotate_names)
      svg.text_element("text",
                       {{"x", fmt(x)},
                        {"y", fmt(y)},
                        {"text-anchor", "end"},
                        {"transform", "rotate(-45 " + fmt(x) + " " + fmt(y) + ")"}},
                       names[c]);
    else
      svg.text_element("text", {{"x", fmt(x)}, {"y", fmt(y)}, {"text-anchor", "middle"}}, names[c]);
  }
  svg.close();
  const Attributes label = {{"font-size", fmt(kLabelFont)}, {"fill", "#222222"}, {"text-anchor", "middle"}};
  Attributes x_label = label, y_label = label;
  x_label.insert(x_label.end(),
                 {{"x", fmt(l.left + grid / 2)}, {"y", fmt(l.top + grid + 6 + l.name_height + 10 + kLabelFont)}});
  const double y_x = 12 + kLabelFont, y_y = l.top + grid / 2;
  y_label.insert(y_label.end(),
                 {{"x", fmt(y_x)}, {"y", fmt(y_y)}, {"transform", "rotate(-90 " + fmt(y_x) + " " + fmt(y_y) + ")"}});
  svg.text_element("text", x_label, "predicted class");
  svg.text_element("text", y_label, "true class");
}

// The colour bar: a row's share, 0% at the bottom to 100% at the top.
void draw_bar(SvgWriter& svg, const Layout& l, std::size_t classes) {
  const double grid = l.grid_size(classes), x = l.left + grid + kBarGap;
  svg.open("defs");
  svg.open("linearGradient", {{"id", "row-share"}, {"x1", "0"}, {"y1", "1"}, {"x2", "0"}, {"y2", "0"}});
  for (std::size_t s = 0; s < kBarStops; ++s) {
    const double t = static_cast<double>(s) / static_cast<double>(kBarStops - 1);
    svg.element("stop", {{"offset", fmt(t)}, {"stop-color", viridis(t).hex()}});
  }
  svg.close();
  svg.close();
  svg.element("rect", {{"x", fmt(x)},
                       {"y", fmt(l.top)},
                       {"width", fmt(kBarWidth)},
                       {"height", fmt(grid)},
                       {"fill", "url(#row-share)"},
                       {"stroke", "#444444"}});
  svg.open("g", {{"font-size", fmt(kFont)}, {"fill", "#222222"}});
  for (const double share : {0.0, 0.5, 1.0})
    svg.text_element("text", {{"x", fmt(x + kBarWidth + 4)}, {"y", fmt(l.top + grid * (1 - share) + kFont * 0.35)}},
                     percent(share));
  svg.close();
}

}  // namespace

Rendered plot_confusion_matrix(const std::vector<int64_t>& counts, const std::vector<std::string>& class_names,
                               const std::string& title) {
  const std::size_t k = class_names.size();
  if (k == 0) throw ValueError("a confusion matrix needs at least one class");
  if (counts.size() != k * k)
    throw ValueError("a confusion matrix of " + std::to_string(k) + " classes has " + std::to_string(k * k) +
                     " counts, got " + std::to_string(counts.size()));
  const Layout l = layout_for(class_names, title);
  SvgWriter svg(l.width, l.height);
  svg.element("rect", {{"width", fmt(l.width)}, {"height", fmt(l.height)}, {"fill", "#ffffff"}});
  if (!title.empty())
    svg.text_element("text",
                     {{"x", fmt(l.width / 2)},
                      {"y", fmt(16 + kTitleFont)},
                      {"text-anchor", "middle"},
                      {"font-size", fmt(kTitleFont)},
                      {"fill", "#222222"}},
                     title);
  draw_cells(svg, l, counts, class_names);
  draw_names(svg, l, class_names);
  draw_bar(svg, l, k);
  return {.svg = svg.finish(), .warnings = {}};
}

}  // namespace descent::viz
