// Polyline simplification (Douglas & Peucker 1973): drops vertices closer than a tolerance to
// the line through their neighbours, so long trajectories and fine contours stay small files.
#pragma once
#include <cstddef>
#include <vector>

#include "descent/viz/geometry.hpp"

namespace descent::viz {

// Indices of the vertices to keep (always the first and last), ascending. No kept-out vertex
// lies farther than `tolerance` from the simplified line.
std::vector<std::size_t> simplify(const Polyline& line, double tolerance);

}  // namespace descent::viz
