// `descent landscape --weights FILE [--data ...] --out landscape.svg`: the loss around trained
// weights along two random filter-normalized directions (Li et al. 2018) as a contour plot, or
// along one (--1d) as a curve. The model is rebuilt from the weights file's descent_config.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/saved_weights.hpp"
#include "descent/core/threads.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/landscape.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

struct LandscapeFlags {
  SavedWeightsFlags source{.split = "train"};
  int64_t examples = 2000;
  int grid = 21;
  std::string range = "-1,1";
  bool one_d = false;
  uint64_t seed = 0;
  std::string out = "landscape.svg";
  std::string title;
};

// "LO,HI" as two numbers; anything else is refused with the expected form.
std::pair<double, double> parse_range(const std::string& text) {
  const auto comma = text.find(',');
  const std::string expected = "--range expects LO,HI (e.g. -1,1), got '" + text + "'";
  if (comma == std::string::npos) throw ValueError(expected);
  try {
    std::size_t used_lo = 0, used_hi = 0;
    const std::string lo_text = text.substr(0, comma), hi_text = text.substr(comma + 1);
    const double lo = std::stod(lo_text, &used_lo), hi = std::stod(hi_text, &used_hi);
    if (used_lo != lo_text.size() || used_hi != hi_text.size()) throw ValueError(expected);
    return {lo, hi};
  } catch (const std::logic_error&) {  // stod's invalid_argument and out_of_range
    throw ValueError(expected);
  }
}

int run_landscape(const LandscapeFlags& f) {
  const auto [lo, hi] = parse_range(f.range);
  const LandscapeOptions options{.grid = f.grid, .lo = lo, .hi = hi, .one_d = f.one_d, .batch_size = f.examples};
  if (f.examples <= 0) throw ValueError("--examples must be positive, got " + std::to_string(f.examples));
  validate(options);

  const SavedWeights saved = load_saved_weights(f.source.weights, f.source.data);
  const TrainConfig& config = saved.config;
  set_num_threads(f.source.threads);
  const DataSplits splits = load_splits(config);
  const Dataset& part = split_named(splits, f.source.split);
  // One model per thread; its initial values are replaced by the trained ones, so each draws them
  // from its own generator rather than racing on the default one.
  const ModelFactory make_model = [&] {
    Generator unused(0);
    return std::shared_ptr<Module>(build_model(config, part.item_shape, splits.train.num_outputs(), &unused));
  };

  Generator gen(f.seed);
  const Dataset subset = evaluation_subset(part, f.examples, gen);
  const auto start = std::chrono::steady_clock::now();
  const Landscape landscape = loss_landscape(make_model, saved.file.tensors, subset,
                                             make_loss(config.loss, splits.train.num_classes), options, gen);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const std::string title =
      !f.title.empty() ? f.title
                       : std::string(f.one_d ? "Loss along a random filter-normalized direction"
                                             : "Loss around the trained weights (filter-normalized directions)");
  const viz::Rendered plot = plot_landscape(landscape, title);
  for (const std::string& warning : plot.warnings) std::cerr << "descent: warning: " << warning << "\n";
  write_file_atomic(f.out, plot.svg);
  const auto [min_it, max_it] = std::minmax_element(landscape.loss.begin(), landscape.loss.end());
  std::printf("%zu points x %lld %s examples in %.2f s (%d threads); loss %.4g to %.4g\nwrote %s\n",
              landscape.loss.size(), static_cast<long long>(subset.size()), f.source.split.c_str(), seconds,
              get_num_threads(), *min_it, *max_it, f.out.c_str());
  return 0;
}

void add_flags(CLI::App& app, LandscapeFlags& f) {
  add_saved_weights_flags(app, f.source, "which part to evaluate the loss on: train, dev or test");
  app.add_option("--examples", f.examples, "evaluate on this many examples drawn at random from the split")
      ->capture_default_str();
  app.add_option("--grid", f.grid, "grid points per axis")->capture_default_str();
  app.add_option("--range", f.range, "LO,HI: the range of both coordinates, in units of the weights' norms")
      ->capture_default_str();
  app.add_flag("--1d", f.one_d, "a 1-D slice along one direction (loss against a) instead of a contour plot");
  app.add_option("--seed", f.seed, "seed for the directions and the example subset")->capture_default_str();
  app.add_option("--out", f.out, "the SVG to write")->capture_default_str();
  app.add_option("--title", f.title, "the plot's title");
}

const Command landscape_command{"landscape",
                                "Plot the loss around trained weights along random filter-normalized directions",
                                setup_with<LandscapeFlags>(add_flags, run_landscape)};

}  // namespace
}  // namespace descent::cli
