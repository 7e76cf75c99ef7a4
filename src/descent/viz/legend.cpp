// The legend: a box of swatches and names, put in the corner of the plot where it hides the
// least data.
#include <algorithm>
#include <array>

#include "descent/viz/render.hpp"

namespace descent::viz {
namespace {

constexpr double font = 12, row = 18, swatch = 24, pad = 8, inset = 8;
constexpr std::size_t max_label = 48;  // longer names are shortened with an ellipsis

std::string shorten(const std::string& label) {
  if (label.size() <= max_label) return label;
  std::size_t cut = max_label - 3;
  while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 character
  return label.substr(0, cut) + "...";
}

}  // namespace

Rect place_legend(const Rect& plot, double width, double height, const std::vector<Point>& occupied) {
  const std::array<Rect, 4> corners = {
      Rect{plot.x1 - inset - width, plot.y0 + inset, plot.x1 - inset, plot.y0 + inset + height},  // top-right
      Rect{plot.x0 + inset, plot.y0 + inset, plot.x0 + inset + width, plot.y0 + inset + height},  // top-left
      Rect{plot.x1 - inset - width, plot.y1 - inset - height, plot.x1 - inset, plot.y1 - inset},  // bottom-right
      Rect{plot.x0 + inset, plot.y1 - inset - height, plot.x0 + inset + width, plot.y1 - inset},  // bottom-left
  };
  Rect best = corners[0];
  std::size_t fewest = SIZE_MAX;
  for (const Rect& box : corners) {
    Rect margin{box.x0 - 4, box.y0 - 4, box.x1 + 4, box.y1 + 4};
    std::size_t hidden = static_cast<std::size_t>(
        std::count_if(occupied.begin(), occupied.end(), [&](Point p) { return margin.contains(p); }));
    if (hidden < fewest) fewest = hidden, best = box;
  }
  return best;
}

void draw_legend(SvgWriter& svg, const Rect& plot, const std::vector<LegendEntry>& entries,
                 const std::vector<Point>& occupied) {
  if (entries.empty()) return;
  double widest = 0;
  for (const auto& entry : entries) widest = std::max(widest, text_width(shorten(entry.label), font));
  double width = pad + swatch + 6 + widest + pad;
  double height = pad + row * static_cast<double>(entries.size()) + pad - 4;
  Rect box = place_legend(plot, width, height, occupied);
  svg.open("g", {{"font-size", fmt(font)}});
  svg.element("rect", {{"x", fmt(box.x0)}, {"y", fmt(box.y0)}, {"width", fmt(width)}, {"height", fmt(height)},
                       {"rx", "3"}, {"fill", "#ffffff"}, {"fill-opacity", "0.88"}, {"stroke", "#bbbbbb"}});
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const LegendEntry& e = entries[i];
    double y = box.y0 + pad + row * static_cast<double>(i) + row / 2 - 2;
    double x0 = box.x0 + pad, x1 = x0 + swatch;
    std::string color = e.color.hex();
    switch (e.swatch) {
      case LegendEntry::Swatch::line:
      case LegendEntry::Swatch::dashed_line:
      case LegendEntry::Swatch::path: {
        Attributes line = {{"x1", fmt(x0)}, {"y1", fmt(y)}, {"x2", fmt(x1)}, {"y2", fmt(y)}, {"stroke", color},
                           {"stroke-width", "2.5"}};
        if (e.swatch == LegendEntry::Swatch::dashed_line) line.push_back({"stroke-dasharray", "5 3"});
        svg.element("line", line);
        if (e.swatch == LegendEntry::Swatch::path)
          svg.element("circle", {{"cx", fmt(x1)}, {"cy", fmt(y)}, {"r", "3.5"}, {"fill", color},
                                 {"stroke", "#ffffff"}, {"stroke-width", "1"}});
        break;
      }
      case LegendEntry::Swatch::dot:
        svg.element("circle", {{"cx", fmt((x0 + x1) / 2)}, {"cy", fmt(y)}, {"r", "4"}, {"fill", color}});
        break;
      case LegendEntry::Swatch::marker:
        draw_marker_shape(svg, e.shape, {(x0 + x1) / 2, y}, 7, e.color);
        break;
    }
    svg.text_element("text", {{"x", fmt(x1 + 6)}, {"y", fmt(y + font * 0.35)}, {"fill", "#222222"}}, shorten(e.label));
  }
  svg.close();
}

}  // namespace descent::viz
