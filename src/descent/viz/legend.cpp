// Legends: a box of swatches and names, either inside a panel — in the corner where it hides
// the least data — or under all panels in columns, for figures with many series.
#include <algorithm>
#include <array>

#include "descent/viz/render.hpp"

namespace descent::viz {
namespace {

constexpr double font = 12, row = 18, swatch = 24, pad = 8, inset = 8, column_gap = 22;
constexpr std::size_t max_name = 40;  // longer names keep their start and end around "..."

// Cuts at a character boundary, never inside a UTF-8 sequence.
std::size_t boundary(const std::string& s, std::size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

// Run folders often differ only at the end ("..._lr_0.001"), so the middle goes.
std::string shown_text(const LegendEntry& e) {
  std::string name = e.label;
  if (name.size() > max_name) {
    std::size_t head = boundary(name, max_name / 2 - 2);
    std::size_t tail = boundary(name, name.size() - (max_name - max_name / 2 - 1));
    name = name.substr(0, head) + "..." + name.substr(tail);
  }
  return e.note.empty() ? name : name + " (" + e.note + ")";
}

double entry_width(const LegendEntry& e) { return swatch + 6 + text_width(shown_text(e), font); }

// One row: the swatch from x with its centre line at y, then the text.
void draw_entry(SvgWriter& svg, const LegendEntry& e, double x, double y) {
  double x0 = x, x1 = x + swatch;
  std::string color = e.color.hex();
  switch (e.swatch) {
    case LegendEntry::Swatch::line:
    case LegendEntry::Swatch::dashed_line:
    case LegendEntry::Swatch::path: {
      Attributes line = {{"x1", fmt(x0)}, {"y1", fmt(y)},    {"x2", fmt(x1)},
                         {"y2", fmt(y)},  {"stroke", color}, {"stroke-width", "2.5"}};
      if (e.swatch == LegendEntry::Swatch::dashed_line) line.push_back({"stroke-dasharray", "5 3"});
      svg.element("line", line);
      if (e.swatch == LegendEntry::Swatch::path)
        svg.element("circle", {{"cx", fmt(x1 - 3)},
                               {"cy", fmt(y)},
                               {"r", "3.5"},
                               {"fill", color},
                               {"stroke", "#ffffff"},
                               {"stroke-width", "1"}});
      break;
    }
    case LegendEntry::Swatch::band:
      svg.element("rect", {{"x", fmt(x0)},
                           {"y", fmt(y - 6)},
                           {"width", fmt(swatch)},
                           {"height", "12"},
                           {"fill", color},
                           {"fill-opacity", fmt(e.opacity)}});
      break;
    case LegendEntry::Swatch::dot:
      svg.element("circle", {{"cx", fmt((x0 + x1) / 2)}, {"cy", fmt(y)}, {"r", "4"}, {"fill", color}});
      break;
    case LegendEntry::Swatch::marker: draw_marker_shape(svg, e.shape, {(x0 + x1) / 2, y}, 7, e.color); break;
  }
  svg.text_element("text", {{"x", fmt(x1 + 6)}, {"y", fmt(y + font * 0.35)}, {"fill", "#222222"}}, shown_text(e));
}

std::size_t columns_for(const std::vector<LegendEntry>& entries, double width) {
  double widest = 0;
  for (const auto& e : entries) widest = std::max(widest, entry_width(e));
  auto fit = static_cast<std::size_t>((width - 2 * pad + column_gap) / (widest + column_gap));
  return std::clamp<std::size_t>(fit, 1, std::max<std::size_t>(entries.size(), 1));
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
  for (const auto& entry : entries) widest = std::max(widest, entry_width(entry));
  double width = pad + widest + pad;
  double height = pad + row * static_cast<double>(entries.size()) + pad - 4;
  Rect box = place_legend(plot, width, height, occupied);
  svg.open("g", {{"font-size", fmt(font)}});
  svg.element("rect", {{"x", fmt(box.x0)},
                       {"y", fmt(box.y0)},
                       {"width", fmt(width)},
                       {"height", fmt(height)},
                       {"rx", "3"},
                       {"fill", "#ffffff"},
                       {"fill-opacity", "0.88"},
                       {"stroke", "#bbbbbb"}});
  for (std::size_t i = 0; i < entries.size(); ++i)
    draw_entry(svg, entries[i], box.x0 + pad, box.y0 + pad + row * static_cast<double>(i) + row / 2 - 2);
  svg.close();
}

double legend_below_height(const std::vector<LegendEntry>& entries, double width) {
  if (entries.empty()) return 0;
  std::size_t columns = columns_for(entries, width);
  std::size_t rows = (entries.size() + columns - 1) / columns;
  return 2 * pad + row * static_cast<double>(rows);
}

void draw_legend_below(SvgWriter& svg, const Rect& area, const std::vector<LegendEntry>& entries) {
  if (entries.empty()) return;
  std::size_t columns = columns_for(entries, area.width());
  double widest = 0;
  for (const auto& e : entries) widest = std::max(widest, entry_width(e));
  double used = static_cast<double>(columns) * (widest + column_gap) - column_gap;
  double left = area.x0 + std::max(pad, (area.width() - used) / 2);  // centred under the panels
  svg.open("g", {{"font-size", fmt(font)}});
  for (std::size_t i = 0; i < entries.size(); ++i) {
    // Column-major, like reading a list: down the first column, then the next.
    std::size_t rows = (entries.size() + columns - 1) / columns;
    std::size_t column = i / rows, r = i % rows;
    draw_entry(svg, entries[i], left + static_cast<double>(column) * (widest + column_gap),
               area.y0 + pad + row * static_cast<double>(r) + row / 2 - 2);
  }
  svg.close();
}

}  // namespace descent::viz
