// Marching squares: each cell whose corners straddle the level contributes one segment (two in
// a saddle cell) between crossing points on its edges; segments sharing a crossing point are
// then chained into lines. A crossing point is named by its lattice edge, so chaining is exact.
#include "descent/viz/contour.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "descent/core/error.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

using EdgeId = std::int64_t;

struct Lattice {
  const Grid& grid;
  EdgeId horizontal(int i, int j) const { return (static_cast<EdgeId>(j) * grid.nx + i) * 2; }
  EdgeId vertical(int i, int j) const { return (static_cast<EdgeId>(j) * grid.nx + i) * 2 + 1; }

  // Where the function crosses `level` on an edge, by linear interpolation. If one end is
  // infinite the crossing is at the finite end (the infinite side is all above or below).
  Point crossing(EdgeId id, double level) const {
    int vertex = static_cast<int>(id / 2);
    int i = vertex % grid.nx, j = vertex / grid.nx;
    int i2 = id % 2 == 0 ? i + 1 : i, j2 = id % 2 == 0 ? j : j + 1;
    double a = grid.at(i, j), b = grid.at(i2, j2);
    double t = 0.5;
    if (std::isfinite(a) && std::isfinite(b))
      t = a == b ? 0.5 : (level - a) / (b - a);
    else if (std::isfinite(a))
      t = 0;
    else if (std::isfinite(b))
      t = 1;
    return {grid.x(i) + t * (grid.x(i2) - grid.x(i)), grid.y(j) + t * (grid.y(j2) - grid.y(j))};
  }
};

// Every segment of every cell, as pairs of edge ids.
std::vector<std::array<EdgeId, 2>> march(const Lattice& lattice, double level) {
  const Grid& g = lattice.grid;
  std::vector<std::array<EdgeId, 2>> segments;
  for (int j = 0; j + 1 < g.ny; ++j)
    for (int i = 0; i + 1 < g.nx; ++i) {
      // Corners counter-clockwise from bottom-left; edge k joins corner k and corner k+1.
      const std::array<double, 4> v = {g.at(i, j), g.at(i + 1, j), g.at(i + 1, j + 1), g.at(i, j + 1)};
      if (std::isnan(v[0]) || std::isnan(v[1]) || std::isnan(v[2]) || std::isnan(v[3])) continue;
      const std::array<EdgeId, 4> edge = {lattice.horizontal(i, j), lattice.vertical(i + 1, j),
                                          lattice.horizontal(i, j + 1), lattice.vertical(i, j)};
      std::array<bool, 4> below{};
      for (int k = 0; k < 4; ++k) below[k] = v[k] < level;
      std::vector<int> crossed;
      for (int k = 0; k < 4; ++k)
        if (below[k] != below[(k + 1) % 4]) crossed.push_back(k);
      if (crossed.size() == 2) {
        segments.push_back({edge[crossed[0]], edge[crossed[1]]});
      } else if (crossed.size() == 4) {
        // Saddle: corners alternate. If the centre is on the side of corners 0 and 2, those
        // join through the middle and the segments cut off corners 1 and 3; otherwise the reverse.
        double centre = (v[0] + v[1] + v[2] + v[3]) / 4;
        bool centre_below = centre < level;
        for (int k = 0; k < 4; ++k)
          if (below[k] != centre_below) segments.push_back({edge[(k + 3) % 4], edge[k]});
      }
    }
  return segments;
}

// Chains segments that share crossing points: open chains from their loose ends first, then
// what is left, which are closed rings.
std::vector<ContourLine> chain(const Lattice& lattice, const std::vector<std::array<EdgeId, 2>>& segments,
                               double level) {
  std::unordered_map<EdgeId, std::vector<size_t>> touching;  // edge id -> segments through it
  for (size_t s = 0; s < segments.size(); ++s)
    for (EdgeId e : segments[s]) touching[e].push_back(s);
  std::vector<bool> used(segments.size(), false);

  auto walk = [&](size_t s, EdgeId from) {
    std::vector<EdgeId> ids = {from};
    EdgeId at = from;
    while (true) {
      used[s] = true;
      at = segments[s][0] == at ? segments[s][1] : segments[s][0];
      ids.push_back(at);
      size_t next = segments.size();
      for (size_t t : touching[at])
        if (!used[t]) next = t;
      if (next == segments.size()) break;
      s = next;
    }
    return ids;
  };
  auto to_line = [&](const std::vector<EdgeId>& ids, bool closed) {
    ContourLine line{{}, closed};
    size_t n = closed ? ids.size() - 1 : ids.size();  // a ring returns to its first point
    for (size_t k = 0; k < n; ++k) line.points.push_back(lattice.crossing(ids[k], level));
    return line;
  };

  std::vector<ContourLine> lines;
  for (auto& [edge, through] : touching)
    if (through.size() == 1 && !used[through[0]]) lines.push_back(to_line(walk(through[0], edge), false));
  for (size_t s = 0; s < segments.size(); ++s)
    if (!used[s]) {
      auto ids = walk(s, segments[s][0]);
      lines.push_back(to_line(ids, ids.front() == ids.back()));
    }
  return lines;
}

}  // namespace

std::vector<ContourLine> contour_lines(const Grid& grid, double level) {
  Lattice lattice{grid};
  return chain(lattice, march(lattice, level), level);
}

std::vector<Polyline> region_below(const Grid& grid, double level) {
  // Surround the grid with one ring of +inf samples (and read NaN as +inf): every line of the
  // padded grid closes, and where it runs through the padding it lies on the domain's edge.
  double dx = (grid.domain.x1 - grid.domain.x0) / (grid.nx - 1);
  double dy = (grid.domain.y1 - grid.domain.y0) / (grid.ny - 1);
  Grid padded{{grid.domain.x0 - dx, grid.domain.y0 - dy, grid.domain.x1 + dx, grid.domain.y1 + dy},
              grid.nx + 2,
              grid.ny + 2,
              {}};
  padded.z.assign(static_cast<size_t>(padded.nx) * padded.ny, INFINITY);
  for (int j = 0; j < grid.ny; ++j)
    for (int i = 0; i < grid.nx; ++i) {
      double v = grid.at(i, j);
      padded.z[static_cast<size_t>(j + 1) * padded.nx + i + 1] = std::isnan(v) ? INFINITY : v;
    }
  std::vector<Polyline> rings;
  for (auto& line : contour_lines(padded, level)) rings.push_back(std::move(line.points));
  return rings;
}

std::vector<double> log_levels(double lo, double hi) {
  if (!(lo > 0) || !(lo <= hi) || !std::isfinite(hi))
    throw ValueError("log_levels: expected 0 < lo <= hi, got lo = " + short_number(lo) + ", hi = " + short_number(hi));
  std::vector<double> levels;
  for (int k = static_cast<int>(std::floor(std::log10(lo))); k <= static_cast<int>(std::ceil(std::log10(hi))); ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) levels.push_back(v);
    }
  return levels;
}

std::vector<double> linear_levels(double lo, double hi, int n) {
  std::vector<double> levels;
  for (double v : linear_ticks(lo, hi, n + 1))
    if (v > lo && v < hi) levels.push_back(v);
  return levels;
}

}  // namespace descent::viz
