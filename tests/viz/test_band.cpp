// Bands: the filled region between a low and a high curve (benchmark curves draw the mean ± one
// sd over seeds this way): the polygon's points, its colour and place beneath the lines, its
// legend swatch, breaks at undrawable points, and the input it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "descent/core/error.hpp"
#include "descent/viz/figure.hpp"
#include "viz/xml_check.hpp"

using namespace descent;
using namespace descent::viz;

namespace {

// The points of every <polygon> in the SVG, in order.
std::vector<Polyline> polygons(const std::string& svg) {
  std::vector<Polyline> out;
  const std::regex polygon("<polygon points=\"([^\"]*)\"");
  const std::regex point("(-?[0-9.]+),(-?[0-9.]+)");
  for (auto m = std::sregex_iterator(svg.begin(), svg.end(), polygon); m != std::sregex_iterator(); ++m) {
    const std::string points = (*m)[1];
    Polyline line;
    for (auto p = std::sregex_iterator(points.begin(), points.end(), point); p != std::sregex_iterator(); ++p)
      line.push_back({std::stod((*p)[1]), std::stod((*p)[2])});
    out.push_back(line);
  }
  return out;
}

// A panel with fixed axes [0, 4] x [0, 10], so pixels are an affine map of the data.
Panel& fixed_panel(Figure& figure) {
  Panel& panel = figure.add_panel();
  panel.x_min = 0, panel.x_max = 4, panel.y_min = 0, panel.y_max = 10;
  return panel;
}

}  // namespace

TEST(Band, PolygonRunsAlongHighThenBackAlongLow) {
  Figure figure(640, 400);
  Panel& panel = fixed_panel(figure);
  const std::vector<double> x = {1, 2, 3}, low = {2, 3, 1}, high = {4, 6, 8};
  panel.band("adam ± 1 sd", x, low, high);
  panel.line("adam", x, {3, 4.5, 4.5});
  const Rendered out = figure.render();
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  const std::vector<Polyline> found = polygons(out.svg);
  ASSERT_EQ(found.size(), 1u);
  const Polyline& p = found[0];
  ASSERT_EQ(p.size(), 6u);
  // Pixels are px = a + b x and py = c + d y: recover the map from two vertices, check the rest.
  const double b = (p[2].x - p[0].x) / (x[2] - x[0]), a = p[0].x - b * x[0];
  const double d = (p[2].y - p[0].y) / (high[2] - high[0]), c = p[0].y - d * high[0];
  EXPECT_LT(d, 0);  // up is smaller pixel rows
  const std::vector<double> want_x = {x[0], x[1], x[2], x[2], x[1], x[0]};
  const std::vector<double> want_y = {high[0], high[1], high[2], low[2], low[1], low[0]};
  for (std::size_t i = 0; i < p.size(); ++i) {
    EXPECT_NEAR(p[i].x, a + b * want_x[i], 0.02) << "vertex " << i;
    EXPECT_NEAR(p[i].y, c + d * want_y[i], 0.02) << "vertex " << i;
  }
  // The axis spans [0, 4] over the plot's width: x = 1 and 3 are a quarter and three quarters in.
  EXPECT_NEAR((p[0].x - a) / b, 1.0, 1e-9);
}

TEST(Band, SeriesColourAtLowOpacityBeneathItsLineWithALegendSwatch) {
  Figure figure(640, 400);
  Panel& panel = fixed_panel(figure);
  panel.band("sgd ± 1 sd", {1, 2, 3}, {1, 2, 3}, {2, 3, 4});
  panel.line("sgd", {1, 2, 3}, {1.5, 2.5, 3.5});
  panel.band("adam ± 1 sd", {1, 2, 3}, {5, 6, 7}, {6, 7, 8}, {.opacity = 0.3});
  panel.line("adam", {1, 2, 3}, {5.5, 6.5, 7.5});
  const std::string svg = figure.render().svg;
  // Each band takes the colour of the line given after it.
  const std::string first = series_color(0).hex(), second = series_color(1).hex();
  const std::size_t band0 = svg.find("<g fill=\"" + first + "\" fill-opacity=\"0.2\"");
  const std::size_t band1 = svg.find("<g fill=\"" + second + "\" fill-opacity=\"0.3\"");
  ASSERT_NE(band0, std::string::npos) << svg;
  ASSERT_NE(band1, std::string::npos);
  // Both bands come before (beneath) the first line.
  const std::size_t line0 = svg.find("stroke=\"" + first + "\"");
  ASSERT_NE(line0, std::string::npos);
  EXPECT_LT(band0, line0);
  EXPECT_LT(band1, line0);
  // Legend: a filled swatch in the band's colour and opacity, in the order the series were given.
  EXPECT_NE(svg.find("fill=\"" + second + "\" fill-opacity=\"0.3\"/>"), std::string::npos);
  const std::size_t sgd_band = svg.find(">sgd ± 1 sd<"), sgd = svg.find(">sgd<"), adam = svg.find(">adam<");
  ASSERT_NE(sgd_band, std::string::npos);
  EXPECT_LT(sgd_band, sgd);
  EXPECT_LT(sgd, adam);
}

TEST(Band, NaNBreaksItIntoTwoPolygonsAndIsReported) {
  Figure figure(640, 400);
  Panel& panel = fixed_panel(figure);
  panel.title = "Loss";
  panel.band("sgd ± 1 sd", {0.5, 1, 1.5, 2, 2.5, 3}, {1, 1, NAN, 1, 1, 1}, {2, 2, 2, 2, 2, 2});
  const Rendered out = figure.render();
  EXPECT_EQ(polygons(out.svg).size(), 2u);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("Loss: band 'sgd ± 1 sd': 1 point cut"), std::string::npos) << out.warnings[0];
  EXPECT_NE(out.warnings[0].find("index 2"), std::string::npos);
  EXPECT_EQ(out.svg.find("nan"), std::string::npos);
}

TEST(Band, LowAtOrBelowZeroOnALogAxisRunsOffTheBottom) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.y_scale = Scale::log;
  // The mean ± sd of a loss whose sd exceeds its mean: the low edge is negative.
  panel.band("loss ± 1 sd", {1, 2, 3}, {-0.5, 0.1, 0.2}, {2.5, 0.5, 0.4});
  panel.line("loss", {1, 2, 3}, {1, 0.3, 0.3});
  const Rendered out = figure.render();
  EXPECT_TRUE(out.warnings.empty());
  const std::vector<Polyline> found = polygons(out.svg);
  ASSERT_EQ(found.size(), 1u);
  double lowest = 0;
  for (Point p : found[0]) lowest = std::max(lowest, p.y);
  // Below every drawn vertex of the low edge: the polygon reaches past the plot's bottom edge.
  EXPECT_GT(lowest, found[0][4].y);
}

TEST(Band, BadInputIsRefused) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  EXPECT_THROW(panel.band("a", {1, 2}, {1}, {2, 3}), ValueError);
  EXPECT_THROW(panel.band("a", {1, 2}, {1, 2}, {2}), ValueError);
  EXPECT_THROW(panel.band("a", {1, 2}, {1, 3}, {2, 2}), ValueError);  // low > high at x = 2
  EXPECT_THROW(panel.band("a", {1, 2}, {1, 1}, {2, 2}, {.opacity = 0}), ValueError);
  EXPECT_THROW(panel.band("a", {1, 2}, {1, 1}, {2, 2}, {.opacity = 1.5}), ValueError);
  try {
    panel.band("sgd", {1, 2, 3}, {1, 2, 3}, {2, 3});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "band 'sgd' needs as many low and high values as x values, got 3 x, 3 low and 2 high"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(panel.items().empty());
}
