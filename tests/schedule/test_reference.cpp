// Every PyTorch scheduler against torch 1.13 (tests/reference/schedules.json, from
// scripts/reference/gen_schedules.py): each group's lr, and the cycled momentum, after
// construction and after each of ≥ 1,000 steps, to 1e-12 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::two_group_optimizer;

namespace {

constexpr double kRelTol = 1e-12;

const nlohmann::json& reference() {
  static const nlohmann::json data = [] {
    std::ifstream in(std::string(DESCENT_REFERENCE_DIR) + "/schedules.json");
    if (!in) throw std::runtime_error("cannot open schedules.json; run scripts/reference/gen_schedules.py");
    return nlohmann::json::parse(in);
  }();
  return data;
}

// The C++ callables that the "api:" cases' torch lambdas are.
std::unique_ptr<LRScheduler> build_api(const std::string& which, Optimizer& o) {
  if (which == "api:lambda_power")
    return std::make_unique<LambdaLR>(o, std::vector<LrLambda>{
                                             [](int64_t t) { return std::pow(0.97, static_cast<double>(t)); }});
  if (which == "api:lambda_per_group")
    return std::make_unique<LambdaLR>(o, std::vector<LrLambda>{[](int64_t t) {
                                                                 return 1.0 / (1.0 + static_cast<double>(t));
                                                               },
                                                               [](int64_t t) {
                                                                 return std::pow(0.5, static_cast<double>(t / 100));
                                                               }});
  if (which == "api:multiplicative")
    return std::make_unique<MultiplicativeLR>(o, std::vector<LrLambda>{[](int64_t t) { return t % 2 ? 0.995 : 1.0; }});
  throw std::runtime_error("no C++ counterpart for " + which);
}

bool close(double got, double want) { return std::abs(got - want) <= kRelTol * std::abs(want); }

class TorchReference : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TorchReference, MatchesTorch) {
  const nlohmann::json& c = reference()["cases"][GetParam()];
  const std::string spec = c["spec"];
  SCOPED_TRACE(c["name"].get<std::string>() + ": " + spec);
  auto optimizer = two_group_optimizer(c["optimizer"]);
  std::unique_ptr<LRScheduler> scheduler =
      spec.rfind("api:", 0) == 0 ? build_api(spec, *optimizer) : make_scheduler(spec, *optimizer);

  const auto& want_lr = c["lr"];
  const std::string momentum_key = c.value("momentum_key", "");
  EXPECT_EQ(scheduler->cycled_momentum(), momentum_key);
  const std::size_t rows = want_lr[0].size();
  if (!c.contains("metrics")) EXPECT_GE(rows, 1001u);
  int mismatches = 0;
  for (std::size_t t = 0; t < rows && mismatches < 5; ++t) {
    if (t > 0) {
      if (c.contains("metrics"))
        scheduler->step(c["metrics"][t - 1].get<double>());
      else if (c.contains("epochs"))
        scheduler->step_to(c["epochs"][t - 1].get<int64_t>());
      else
        scheduler->step();
    }
    for (std::size_t g = 0; g < 2; ++g) {
      const ParamGroup& group = optimizer->param_groups()[g];
      double want = want_lr[g][t];
      if (!close(group.lr(), want)) {
        ++mismatches;
        ADD_FAILURE() << "group " << g << " lr after " << t << " steps: " << group.lr() << " vs torch " << want;
      }
      EXPECT_TRUE(close(scheduler->get_last_lr()[g], want)) << "get_last_lr at step " << t;
      if (!momentum_key.empty()) {
        double want_m = c["momentum"][g][t];
        if (!close(group.get(momentum_key), want_m)) {
          ++mismatches;
          ADD_FAILURE() << "group " << g << " " << momentum_key << " after " << t
                        << " steps: " << group.get(momentum_key) << " vs torch " << want_m;
        }
      }
    }
  }
}

std::vector<std::size_t> case_indices() {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < reference()["cases"].size(); ++i) out.push_back(i);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Schedules, TorchReference, ::testing::ValuesIn(case_indices()),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return reference()["cases"][info.param]["name"].get<std::string>();
                         });

TEST(TorchReferenceFile, CoversEveryPyTorchScheduler) {
  std::set<std::string> seen;
  for (const auto& c : reference()["cases"]) {
    std::string spec = c["spec"];
    seen.insert(spec.substr(0, spec.find_first_of(":+*")));
    if (spec.find('+') != std::string::npos) seen.insert("sequential");
    if (spec.find('*') != std::string::npos) seen.insert("chained");
  }
  for (const char* name : {"step", "multistep", "exponential", "constant", "linear", "polynomial", "cosine",
                           "cosine_restarts", "cyclic", "onecycle", "swa", "plateau", "sequential", "chained", "api"})
    EXPECT_TRUE(seen.count(name)) << name << " has no reference case";
}

}  // namespace
