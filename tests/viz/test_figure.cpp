// Figures: what reaches the SVG (titles, escaped names, ticks, cuts reported), legend
// placement, and the errors for input that cannot be plotted.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/curve_plot.hpp"
#include "descent/viz/figure.hpp"
#include "descent/viz/render.hpp"
#include "descent/viz/trajectory_plot.hpp"
#include "viz/xml_check.hpp"

using namespace descent;
using namespace descent::viz;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

double rosenbrock(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }

}  // namespace

TEST(Figure, LinePlotHasTitleLabelsTicksAndLegend) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.title = "Loss <train>";
  panel.x_label = "epoch";
  panel.y_label = "loss";
  panel.line("adam & co", {1, 2, 3, 4}, {2.0, 1.0, 0.6, 0.5});
  Rendered out = figure.render();
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_NE(out.svg.find(">Loss &lt;train&gt;<"), std::string::npos);
  EXPECT_NE(out.svg.find(">adam &amp; co<"), std::string::npos);
  EXPECT_NE(out.svg.find(">epoch<"), std::string::npos);
  EXPECT_NE(out.svg.find(">1.5<"), std::string::npos);  // a y tick label
  EXPECT_TRUE(out.warnings.empty());
}

TEST(Figure, NaNPointsAreCutAndReported) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.title = "Loss";
  panel.line("sgd", {1, 2, 3, 4, 5}, {2.0, 1.0, NAN, 0.6, 0.5});
  Rendered out = figure.render();
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("Loss: line 'sgd': 1 point cut"), std::string::npos) << out.warnings[0];
  EXPECT_NE(out.warnings[0].find("index 2"), std::string::npos);
  EXPECT_NE(out.svg.find("sgd (1 point cut)"), std::string::npos);
  EXPECT_EQ(count(out.svg, "<polyline"), 2u);  // two pieces, no garbage coordinates
  EXPECT_EQ(out.svg.find("nan"), std::string::npos);
}

TEST(Figure, LogAxisCutsNonPositiveValuesAndTicksDecades) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.y_scale = Scale::log;
  panel.line("loss", {1, 2, 3, 4}, {10, 1, 0, 0.01});
  Rendered out = figure.render();
  EXPECT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.svg.find(">0.1<"), std::string::npos);
  EXPECT_NE(out.svg.find(">10<"), std::string::npos);
}

TEST(Figure, BadInputThrows) {
  Figure empty(640, 400);
  EXPECT_THROW(empty.render(), ValueError);
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  EXPECT_THROW(panel.line("a", {1, 2}, {1}), ValueError);
  panel.line("all nan", {1, 2}, {NAN, NAN});
  EXPECT_THROW(figure.render(), ValueError);
  Figure log_figure(640, 400);
  Panel& log_panel = log_figure.add_panel();
  log_panel.y_scale = Scale::log;
  log_panel.y_min = 0;
  log_panel.line("a", {1, 2}, {1, 2});
  EXPECT_THROW(log_figure.render(), ValueError);
  EXPECT_THROW(Figure(10, 10), ValueError);
}

TEST(Figure, PercentAndIntegerTicks) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.y_percent = true;
  panel.x_integer = true;
  panel.line("acc", {1, 2, 3}, {0.5, 0.8, 0.9});
  Rendered out = figure.render();
  EXPECT_NE(out.svg.find("%<"), std::string::npos);
  EXPECT_EQ(out.svg.find(">1.5<"), std::string::npos);  // no fractional epoch ticks
  EXPECT_NE(out.svg.find(">2<"), std::string::npos);
}

TEST(Legend, AvoidsTheCornerWithData) {
  Rect plot{0, 0, 400, 300};
  std::vector<Point> top_right;
  for (int i = 0; i < 50; ++i) top_right.push_back({390.0 - i, 10.0 + i});
  Rect box = place_legend(plot, 100, 40, top_right);
  EXPECT_LT(box.x0, 200);  // moved to the left half
  Rect free = place_legend(plot, 100, 40, {});
  EXPECT_GT(free.x0, 200);  // top-right by default
  EXPECT_LT(free.y0, 100);
}

// The number in attribute `name` of the first element at or after `from`.
double attribute(const std::string& svg, size_t from, const std::string& name) {
  size_t at = svg.find(" " + name + "=\"", from);
  return std::stod(svg.substr(at + name.size() + 3));
}

TEST(Legend, GoesToTheFreeCornerOfLossAndAccuracyCurves) {
  // A falling loss curve leaves the top-right free; a saturating accuracy curve climbs the left
  // side and runs along the top, leaving the bottom-right free.
  for (bool rising : {false, true}) {
    Figure figure(640, 400);
    Panel& panel = figure.add_panel();
    std::vector<double> x, y;
    for (int i = 0; i < 50; ++i) x.push_back(i), y.push_back(rising ? 1 - std::exp(-i / 5.0) : std::exp(-i / 5.0));
    panel.line("a run with a long name", x, y);
    Rendered out = figure.render();
    size_t legend = out.svg.find("rx=\"3\"");
    ASSERT_NE(legend, std::string::npos);
    size_t rect = out.svg.rfind("<rect", legend);
    double lx = attribute(out.svg, rect, "x"), ly = attribute(out.svg, rect, "y");
    EXPECT_GT(lx, 320) << "right half";
    if (rising)
      EXPECT_GT(ly, 200) << "rising curve: bottom-right";
    else
      EXPECT_LT(ly, 200) << "falling curve: top-right";
  }
}

TEST(Figure, ScatterPointsAreCirclesAndNaNIsReported) {
  Figure figure(640, 400);
  Panel& panel = figure.add_panel();
  panel.scatter("samples", {1, 2, 3, 4}, {1, NAN, 3, 2});
  Rendered out = figure.render();
  EXPECT_EQ(count(out.svg, "r=\"3.5\""), 3u);
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("scatter 'samples': 1 point cut"), std::string::npos) << out.warnings[0];
}

TEST(Trajectory, PathsOverContoursWithMinimumAndDivergence) {
  std::vector<NamedPath> paths = {
      {"gd", {{-1.5, 2}, {-1, 1}, {0, 0.5}, {0.9, 0.8}, {1, 1}}},
      {"too big a step", {{-1, -0.5}, {1.5, 2.5}, {1e30, -1e30}, {NAN, NAN}, {0, 0}}},
  };
  Rendered out = plot_trajectories(rosenbrock, {-2, -1, 2, 3}, paths, {{1, 1}}, {.title = "Rosenbrock"});
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_NE(out.warnings[0].find("path 'too big a step': point 3"), std::string::npos) << out.warnings[0];
  EXPECT_NE(out.svg.find("too big a step (diverged at step 3)"), std::string::npos);
  EXPECT_NE(out.svg.find("minimum (1, 1)"), std::string::npos);
  EXPECT_NE(out.svg.find("fill-rule=\"evenodd\""), std::string::npos);
  EXPECT_EQ(out.svg.find("e+"), std::string::npos);  // no 1e30-sized coordinates
  EXPECT_LT(out.svg.size(), 200'000u);
}

TEST(Trajectory, StartOutsideTheDomainThrows) {
  std::vector<NamedPath> paths = {{"gd", {{5, 5}, {1, 1}}}};
  EXPECT_THROW(plot_trajectories(rosenbrock, {-2, -1, 2, 3}, paths, {}), ValueError);
  std::vector<NamedPath> empty = {{"gd", {}}};
  EXPECT_THROW(plot_trajectories(rosenbrock, {-2, -1, 2, 3}, empty, {}), ValueError);
  EXPECT_THROW(plot_trajectories([](double, double) { return 1.0; }, {-2, -1, 2, 3}, {}, {}), ValueError);
}

TEST(Trajectory, AnimationHasOneKeyTimePerStep) {
  std::vector<Point> points;
  for (int k = 0; k <= 20; ++k) points.push_back({-1.5 + 0.12 * k, 2.0 - 0.05 * k});
  Rendered out =
      plot_trajectories(rosenbrock, {-2, -1, 2, 3}, {{"gd", points}}, {{1, 1}}, {.animate = true, .seconds = 5});
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_NE(out.svg.find("<animate attributeName=\"stroke-dashoffset\""), std::string::npos);
  EXPECT_NE(out.svg.find("<animateMotion"), std::string::npos);
  EXPECT_NE(out.svg.find("dur=\"5s\""), std::string::npos);
  EXPECT_NE(out.svg.find("keyTimes=\"0;"), std::string::npos);
}

TEST(Trajectory, AutoLevelsSpanFourDecadesBelowTheTop) {
  Grid grid = sample_grid(rosenbrock, {-2, -1, 2, 3}, 50, 50);
  std::vector<double> levels = auto_levels(grid, true);
  ASSERT_FALSE(levels.empty());
  EXPECT_GE(levels.front(), 0.2);
  EXPECT_LE(levels.back(), 2600);
  EXPECT_GE(levels.back(), 1000);
  // A function with a negative minimum still gets ascending levels inside its range.
  Grid shifted = sample_grid([](double x, double y) { return x * x + y * y - 1; }, {-1, -1, 1, 1}, 20, 20);
  std::vector<double> l2 = auto_levels(shifted, true);
  for (size_t i = 1; i < l2.size(); ++i) EXPECT_GT(l2[i], l2[i - 1]);
  EXPECT_GT(l2.front(), -1);
  EXPECT_LE(l2.back(), 1);
}

TEST(Curve, SeveralPanelsShareX) {
  std::vector<double> steps = {0, 1, 2, 3};
  Rendered out =
      plot_curves(steps,
                  {{.title = "Learning rate", .y_label = "lr", .series = {{.name = "lr", .y = {1, 0.5, 0.25, 0.1}}}},
                   {.title = "Momentum", .y_label = "m", .series = {{.name = "m", .y = {0.9, 0.85, 0.8, 0.9}}}}},
                  {.x_label = "step"});
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_EQ(count(out.svg, "<clipPath"), 2u);
  EXPECT_THROW(plot_curve(steps, {{.name = "short", .y = {1, 2}}}), ValueError);
}

TEST(Layout, TickLabelsNeverTouchAndStayInsideThePanel) {
  // Narrow panels with wide labels: x ticks thin out, the left margin grows.
  for (double width : {220.0, 320.0, 480.0}) {
    Panel panel;
    panel.x_label = "step";
    panel.y_label = "lr";
    panel.line("lr", {0, 250000, 500000, 1000000}, {0.000125, 0.0001, 0.00005, 0.0000001});
    Rect box{0, 0, width, 300};
    AxesLayout axes = layout_axes(panel, box, 0);
    ASSERT_GE(axes.x_ticks.size(), 2u) << width;
    for (size_t i = 0; i < axes.x_ticks.size(); ++i) {
      double centre = axes.x.map(axes.x_ticks[i]), half = text_width(axes.x_labels[i], 12) / 2;
      EXPECT_GE(centre - half, box.x0) << axes.x_labels[i];
      EXPECT_LE(centre + half, box.x1) << axes.x_labels[i];
      if (i > 0) {
        double previous = axes.x.map(axes.x_ticks[i - 1]) + text_width(axes.x_labels[i - 1], 12) / 2;
        EXPECT_GT(centre - half, previous + 4)
            << "width " << width << ": " << axes.x_labels[i - 1] << " and " << axes.x_labels[i];
      }
    }
    for (size_t i = 0; i < axes.y_ticks.size(); ++i)
      EXPECT_GE(axes.plot.x0 - 9 - text_width(axes.y_labels[i], 12), box.x0 + 13 + 10) << axes.y_labels[i];
    for (size_t i = 1; i < axes.y_ticks.size(); ++i)
      EXPECT_GT(std::abs(axes.y.map(axes.y_ticks[i]) - axes.y.map(axes.y_ticks[i - 1])), 14);
  }
}

TEST(Trajectory, FunctionUndefinedOnPartOfTheDomainStillPlots) {
  // log(x) + y^2 is NaN for x < 0 and -inf at x = 0: those cells are left out of the contours
  // and the levels come from the finite values.
  auto f = [](double x, double y) { return std::log(x) + y * y; };
  Rendered out = plot_trajectories(f, {-1, -1, 2, 1}, {{"gd", {{1.5, 0.5}, {1.2, 0.2}}}}, {}, {.log_levels = false});
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_EQ(out.svg.find("nan"), std::string::npos);
  EXPECT_EQ(out.svg.find("inf"), std::string::npos);
}
