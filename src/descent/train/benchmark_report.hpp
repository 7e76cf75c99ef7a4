// The benchmark's report, drawn from results.jsonl alone (so it can be redrawn without
// training): per problem a table of the best learning rate's runs (mean ± standard deviation over
// seeds), learning curves with a ±1 sd band over seeds, the learning-rate sensitivity of the
// sweep, and performance profiles over the problems (Dolan & Moré 2002; AlgoPerf's
// time-to-target profile, Dahl et al. 2023).
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "descent/train/benchmark.hpp"
#include "descent/viz/figure.hpp"

namespace descent {

// Mean and sample standard deviation (n − 1) of the finite values; NaN when there are none (sd:
// fewer than two).
struct MeanSd {
  double mean = 0, sd = 0;
  int count = 0;
};
MeanSd mean_sd(const std::vector<double>& values);

// Dolan & Moré's performance profile: cost[p][s] is solver s's cost on problem p (lower is
// better; NaN or infinity: not solved). ρ_s(τ) = |{p : cost[p][s] / min_s' cost[p][s'] ≤ τ}| / P,
// evaluated at each τ in `taus`. Returns one curve per solver.
std::vector<std::vector<double>> performance_profile(const std::vector<std::vector<double>>& cost,
                                                     const std::vector<double>& taus);

// The Markdown tables: one per problem, one row per optimizer (and DeepOBS's baselines, where
// it has them), printed by `descent benchmark` and heading report.md.
std::string benchmark_tables(const BenchmarkConfig& config, const std::vector<nlohmann::json>& results);

// Writes RUN_DIR/report.md and its figures (curves_PROBLEM.svg, lr_PROBLEM.svg, profile.svg);
// returns the figures' warnings (points cut from lines).
std::vector<std::string> write_benchmark_report(const BenchmarkConfig& config,
                                                const std::vector<nlohmann::json>& results,
                                                const std::filesystem::path& run_dir);

}  // namespace descent
