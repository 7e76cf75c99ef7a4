// Clipping polylines (Liang & Barsky 1984) and polygons (Sutherland & Hodgman 1974) to a
// rectangle, so a diverging path whose points run to 1e30 is drawn up to the plot's edge rather
// than as coordinates a renderer mangles.
#pragma once
#include <vector>

#include "descent/viz/geometry.hpp"

namespace descent::viz {

struct ClippedPiece {
  Polyline points;
  // For each point, where it lies along the input: vertex i is i, a point 30% of the way from
  // vertex 4 to vertex 5 is 4.3. Animations use it to keep each step's timing.
  std::vector<double> position;
};

// The pieces of `line` inside `box`; a piece ends where the line leaves the box.
std::vector<ClippedPiece> clip_polyline(const Polyline& line, const Rect& box);

// The part of the closed polygon `polygon` inside `box` (empty if none), clipped edge by edge
// against the box's four sides (Sutherland & Hodgman 1974, "Reentrant polygon clipping").
Polyline clip_polygon(const Polyline& polygon, const Rect& box);

}  // namespace descent::viz
