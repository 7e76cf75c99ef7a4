// Render tests: sample plots of every kind are written as SVG, rendered by headless Chromium,
// and the screenshots checked for content (not blank, several colours, ink inside the figure).
// Outputs go to BUILD/viz_render/ for a person to look at; with DESCENT_DOCS_IMG=DIR set, the
// SVGs are also written there (that is how docs/img/ is made). Skipped without Chromium.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/skip.hpp"
#include "descent/viz/confusion_plot.hpp"
#include "descent/viz/curve_plot.hpp"
#include "descent/viz/library_plots.hpp"
#include "descent/viz/run_plot.hpp"
#include "descent/viz/trajectory_plot.hpp"
#include "viz/png.hpp"
#include "viz/xml_check.hpp"

using namespace descent::viz;
namespace fs = std::filesystem;

namespace {

const char* chromium = "/usr/bin/chromium";

fs::path out_dir() {
  fs::path dir = fs::path(DESCENT_BINARY_DIR) / "viz_render";
  fs::create_directories(dir);
  return dir;
}

void save(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// Writes the SVG, screenshots it at its own size, and checks the picture.
void render_and_check(const std::string& name, const Rendered& plot, int width, int height) {
  ASSERT_EQ(xml::xml_problem(plot.svg), "") << name;
  fs::path svg = out_dir() / (name + ".svg");
  save(svg, plot.svg);
  if (const char* docs = std::getenv("DESCENT_DOCS_IMG")) save(fs::path(docs) / (name + ".svg"), plot.svg);
  if (!fs::exists(chromium)) DESCENT_SKIP() << "no " << chromium << " to render " << svg;
  fs::path png = out_dir() / (name + ".png");
  fs::remove(png);
  fs::path profile = out_dir() / ("profile-" + name);
  std::string command = std::string(chromium) +
                        " --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
                        " --disable-background-networking --disable-component-update --disable-sync"
                        " --hide-scrollbars --user-data-dir=" +
                        profile.string() + " --screenshot=" + png.string() + " --window-size=" + std::to_string(width) +
                        "," + std::to_string(height) + " file://" + svg.string() + " > " +
                        (out_dir() / (name + ".log")).string() + " 2>&1";
  int status = std::system(command.c_str());
  fs::remove_all(profile);
  ASSERT_EQ(status, 0) << command;
  ASSERT_TRUE(fs::exists(png)) << command;

  png::Image image = png::read(png.string());
  ASSERT_EQ(image.width, width);
  size_t ink = 0;
  std::set<uint32_t> colours;
  for (size_t p = 0; p < image.rgb.size() / 3; ++p) {
    uint8_t r = image.rgb[3 * p], g = image.rgb[3 * p + 1], b = image.rgb[3 * p + 2];
    if (r < 235 || g < 235 || b < 235) ++ink;
    colours.insert((uint32_t{r} << 16) | (g << 8) | b);
  }
  double fraction = static_cast<double>(ink) / static_cast<double>(image.rgb.size() / 3);
  EXPECT_GT(fraction, 0.01) << name << ": the screenshot is nearly blank";
  EXPECT_GT(colours.size(), 20u) << name << ": too few colours for a plot";
}

double rosenbrock(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }
Point rosenbrock_grad(Point p) { return {-2 * (1 - p.x) - 400 * p.x * (p.y - p.x * p.x), 200 * (p.y - p.x * p.x)}; }

// Gradient descent with heavy-ball momentum (Polyak 1964): v = m v + g; x -= lr v.
std::vector<Point> descend(Point start, double lr, double momentum, int steps) {
  std::vector<Point> path = {start};
  Point x = start, v{0, 0};
  for (int k = 0; k < steps; ++k) {
    Point g = rosenbrock_grad(x);
    v = {momentum * v.x + g.x, momentum * v.y + g.y};
    x = {x.x - lr * v.x, x.y - lr * v.y};
    path.push_back(x);
  }
  return path;
}

std::vector<NamedPath> example_paths() {
  return {{"gradient descent, lr=0.001", descend({-1.5, 2}, 1e-3, 0, 300)},
          {"gradient descent, lr=0.002", descend({-1.5, 2}, 2e-3, 0, 300)},
          {"momentum 0.9, lr=0.0005", descend({-1.5, 2}, 5e-4, 0.9, 300)}};
}

fs::path write_run(const std::string& name, double rate, double noise_phase) {
  fs::path dir = out_dir() / "runs" / name;
  fs::create_directories(dir);
  std::ofstream out(dir / "metrics.jsonl");
  for (int epoch = 1; epoch <= 20; ++epoch) {
    double loss = 2.3 * std::exp(-rate * epoch) + 0.05 + 0.02 * std::sin(epoch + noise_phase);
    double acc = 0.98 - 0.7 * std::exp(-rate * 1.3 * epoch) + 0.005 * std::cos(epoch + noise_phase);
    out << "{\"epoch\": " << epoch << ", \"train_loss\": " << loss << ", \"train_acc\": " << acc + 0.01
        << ", \"dev_loss\": " << loss * 1.1 << ", \"dev_acc\": " << acc << ", \"lr\": 0.1, \"seconds\": 1.2}\n";
  }
  return dir;
}

}  // namespace

TEST(Render, RosenbrockTrajectories) {
  Rendered plot = plot_trajectories(rosenbrock, {-2, -1, 2, 3}, example_paths(), {{1, 1}},
                                    {.title = "Rosenbrock: 300 steps from (-1.5, 2)"});
  EXPECT_TRUE(plot.warnings.empty());
  render_and_check("rosenbrock_paths", plot, 760, 600);
}

TEST(Render, RosenbrockAnimated) {
  Rendered plot = plot_trajectories(rosenbrock, {-2, -1, 2, 3}, example_paths(), {{1, 1}},
                                    {.title = "Rosenbrock (animated)", .animate = true, .seconds = 6});
  render_and_check("rosenbrock_animated", plot, 760, 600);
}

TEST(Render, DivergingPathAndLineContours) {
  auto himmelblau = [](double x, double y) { return std::pow(x * x + y - 11, 2) + std::pow(x + y * y - 7, 2); };
  std::vector<Point> diverging = {{-4, -4}, {-1, -3}, {3, 4}, {40, -60}, {1e12, 1e13}, {INFINITY, NAN}, {0, 0}};
  std::vector<Point> fine = {{0, 0}, {1.5, 1}, {2.6, 1.8}, {3, 2}};
  Rendered plot =
      plot_trajectories(himmelblau, {-5, -5, 5, 5}, {{"lr too large", diverging}, {"lr=0.01", fine}},
                        {{3, 2}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848126}},
                        {.title = "Himmelblau, line contours", .filled = false, .width = 700, .height = 600});
  EXPECT_EQ(plot.warnings.size(), 1u);
  EXPECT_NE(plot.svg.find(">minima (4)<"), std::string::npos);
  render_and_check("himmelblau_lines", plot, 700, 600);
}

TEST(Render, LossAndAccuracyOfTwoRuns) {
  std::vector<RunLog> runs = read_runs({write_run("sgd", 0.15, 0), write_run("adam", 0.4, 1.3)});
  Rendered plot = plot_runs(runs, {.title = "descent plot runs/sgd runs/adam"});
  render_and_check("loss_curves", plot, 960, 450);
}

TEST(Render, LogScaleLossWithNaN) {
  std::vector<double> epochs, loss, other;
  for (int e = 1; e <= 30; ++e) {
    epochs.push_back(e);
    loss.push_back(2.0 * std::pow(0.8, e));
    other.push_back(e == 12 ? NAN : 1.5 * std::pow(0.9, e));
  }
  Rendered plot = plot_curve(epochs, {{.name = "adam", .y = loss}, {.name = "sgd", .y = other, .dashed = true}},
                             {.title = "Training loss",
                              .x_label = "epoch",
                              .y_label = "loss",
                              .y_scale = Scale::log,
                              .x_integer = true});
  EXPECT_EQ(plot.warnings.size(), 1u);
  render_and_check("log_loss", plot, 720, 440);
}

TEST(Render, RealOptimizersOnRosenbrock) {
  const descent::optim::TestFunction& rosenbrock = descent::optim::test_function("rosenbrock");
  Rendered plot =
      plot_optimizer_paths(rosenbrock, {"sgd:lr=1e-3", "sgd:lr=1e-3,momentum=0.9", "rmsprop:lr=0.01", "adam:lr=0.1"},
                           {-1.2, 1}, 300);
  EXPECT_TRUE(plot.warnings.empty());
  render_and_check("optimizers_rosenbrock", plot, 760, 600);
}

TEST(Render, OneCycleSchedule) {
  descent::optim::ScheduleSeries series =
      descent::optim::schedule_series("onecycle:total_steps=1000", 0.1, 1000, "sgd:lr=0.1,momentum=0.9");
  render_and_check("schedule_onecycle", plot_schedule(series, "descent schedule onecycle:total_steps=1000"), 960, 450);
}

TEST(Render, UndefinedRegionIsGrey) {
  auto f = [](double x, double y) { return std::log(x) + y * y; };
  Rendered plot = plot_trajectories(f, {-1, -1, 2, 1}, {{"gd", {{1.5, 0.5}, {1.2, 0.2}, {1.0, 0.05}}}}, {},
                                    {.title = "log(x) + y^2, undefined for x < 0",
                                     .log_levels = false,
                                     .width = 700,
                                     .height = 460});
  EXPECT_NE(plot.svg.find("#d4d4d4"), std::string::npos);
  render_and_check("undefined_region", plot, 700, 460);
}

// A classifier of Fashion-MNIST's kind: the upper-body garments confused with each other.
TEST(Render, ConfusionMatrixWithClassNames) {
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  std::vector<int64_t> counts(100, 0);
  for (int64_t c = 0; c < 10; ++c) counts[c * 10 + c] = 950;
  for (const auto& [truth, predicted, count] : {std::tuple{0, 6, 110},
                                                {6, 0, 140},
                                                {2, 4, 90},
                                                {4, 2, 80},
                                                {6, 2, 70},
                                                {6, 4, 60},
                                                {9, 7, 40},
                                                {7, 9, 30},
                                                {3, 4, 25}}) {
    counts[truth * 10 + predicted] += count;
    counts[truth * 10 + truth] -= count;
  }
  const Rendered plot = plot_confusion_matrix(counts, names, "Confusion matrix: fashion-mnist, test");
  const auto width_at = plot.svg.find("width=\"") + 7, height_at = plot.svg.find("height=\"") + 8;
  render_and_check("confusion_matrix", plot, std::stoi(plot.svg.substr(width_at)),
                   std::stoi(plot.svg.substr(height_at)));
}
