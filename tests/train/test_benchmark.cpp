// The benchmark's parts: the lr grid, the target, the quadratic_deep Hessian, the noisy 2-D
// functions' gradients (float64 gradcheck), the choice of the best lr, and the statistics and
// performance profiles of the report.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "common/throws.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/ops/gradcheck.hpp"
#include "descent/ops/ops.hpp"
#include "descent/optim/factory.hpp"
#include "descent/train/benchmark.hpp"
#include "descent/train/benchmark_report.hpp"
#include "descent/train/lr_find.hpp"

namespace descent {
namespace {

TEST(BenchmarkGrid, DeepObsGridIsNumpyLogspace) {
  const std::vector<double> lrs = parse_lr_grid("1e-5:1e2:36");
  ASSERT_EQ(lrs.size(), 36u);
  EXPECT_DOUBLE_EQ(lrs.front(), 1e-5);
  EXPECT_NEAR(lrs.back(), 1e2, 1e-12);
  EXPECT_NEAR(lrs[21], 1.5848931925e-01, 1e-10);  // DeepOBS's SGD baseline on fmnist_2c2d
  EXPECT_NEAR(lrs[7], 2.5118864315e-04, 1e-13);   // and its Adam baseline
  EXPECT_EQ(parse_lr_grid("0.1,0.01"), (std::vector<double>{0.1, 0.01}));
  EXPECT_EQ(parse_lr_grid("1e-3:1:1"), (std::vector<double>{1e-3}));
}

TEST(BenchmarkGrid, EmptyOrBadGridsAreRefused) {
  for (const char* bad : {"1e-5:1e2:0", "", ",", "1e-5:1e2", "0:1:3", "a,b", "1e-3:1:2.5", "-1"})
    EXPECT_THROW(parse_lr_grid(bad), ValueError) << bad;
}

TEST(BenchmarkTarget, MetricMustBeReportedByEveryProblem) {
  const Problem* quadratic = &benchmark_problem("quadratic_deep");
  const Problem* fmnist = &benchmark_problem("fmnist_2c2d");
  EXPECT_EQ(parse_target("dev_acc=0.92", {fmnist}).value, 0.92);
  EXPECT_EQ(parse_target("dev_loss=90", {quadratic, fmnist}).metric, "dev_loss");
  EXPECT_THROW(parse_target("dev_acc=0.92", {fmnist, quadratic}), ValueError);
  EXPECT_THROW(parse_target("test_acc=0.9", {fmnist}), ValueError);  // measured once, at the end
  EXPECT_THROW(parse_target("dev_acc", {fmnist}), ValueError);
  EXPECT_THROW(parse_target("dev_acc=x", {fmnist}), ValueError);
}

TEST(BenchmarkProblems, UnknownNameListsTheProblems) {
  EXPECT_TRUE(descent::testing::throws<
              ValueError>([] { benchmark_problem("mnist_vae"); },
                          "unknown problem 'mnist_vae' (expected quadratic_deep, "
                          "mnist_logreg, mnist_mlp, fmnist_mlp, fmnist_2c2d, "
                          "cifar10_3c3d, fmnist_resnet20, two_d_rosenbrock, two_d_beale, two_d_branin)"));
}

// Q = Rᵀ diag(λ) R with R orthogonal: symmetric, trace Σλ and trace(Q²) = Σλ²; λ as DeepOBS draws it.
TEST(BenchmarkProblems, QuadraticDeepHessianHasDeepObsSpectrum) {
  const int64_t d = 100;
  std::vector<double> lambda;
  const std::vector<double> q = quadratic_deep_hessian(d, 42, &lambda);
  ASSERT_EQ(lambda.size(), 100u);
  EXPECT_EQ(std::count_if(lambda.begin(), lambda.end(), [](double l) { return l >= 0 && l < 1; }), 90);
  EXPECT_EQ(std::count_if(lambda.begin(), lambda.end(), [](double l) { return l >= 30 && l < 60; }), 10);
  double trace = 0, trace_sq = 0;
  for (int64_t i = 0; i < d; ++i) {
    trace += q[i * d + i];
    for (int64_t j = 0; j < d; ++j) {
      EXPECT_NEAR(q[i * d + j], q[j * d + i], 1e-9);
      trace_sq += q[i * d + j] * q[j * d + i];
    }
  }
  double sum = 0, sum_sq = 0;
  for (double l : lambda) {
    sum += l;
    sum_sq += l * l;
  }
  EXPECT_NEAR(trace, sum, 1e-9 * sum);
  EXPECT_NEAR(trace_sq, sum_sq, 1e-9 * sum_sq);
}

TEST(BenchmarkProblems, NoisyQuadraticIsHalfTheQuadraticForm) {
  const std::vector<double> q = {2, 1, 1, 3};
  NoisyQuadratic model(q, 2);
  const Tensor x = Tensor::from_data({1.0, 0.0, 0.0, 2.0}, {2, 2});
  const std::vector<double> out = model(x).to_vector();  // θ = (1, 1): d = (0, 1) and (1, −1)
  EXPECT_NEAR(out[0], 0.5 * 3, 1e-6);
  EXPECT_NEAR(out[1], 0.5 * (2 - 2 + 3), 1e-6);
}

TEST(BenchmarkProblems, Noisy2dGradientsPassGradcheck) {
  const Tensor noise = Tensor::from_data({0.3, -1.2, 0.7, 0.4, -0.5, 2.0}, {3, 2}, DType::f64);
  for (const std::string function : {"rosenbrock", "beale", "branin"}) {
    const auto f = [&](const std::vector<Tensor>& in) { return noisy_2d_loss(function, in[0], in[1], noise); };
    const GradcheckResult r =
        gradcheck(f, {Tensor::from_data({-0.5}, {1}, DType::f64), Tensor::from_data({1.5}, {1}, DType::f64)});
    EXPECT_TRUE(r.ok) << function << ": " << r.message;
  }
}

TEST(BenchmarkProblems, Noisy2dStartsAtDeepObsPoints) {
  EXPECT_EQ(Noisy2d("rosenbrock").u.item(), -0.5);
  EXPECT_EQ(Noisy2d("beale").v.item(), 4.5);
  EXPECT_EQ(Noisy2d("branin").u.item(), 2.5);
  // Without noise the output is f: Branin at (π, 2.275) is its minimum 0.397887.
  const Tensor u = Tensor::from_data({M_PI}, {1}), v = Tensor::from_data({2.275}, {1});
  EXPECT_NEAR(noisy_2d_loss("branin", u, v, Tensor::zeros({1, 2})).item(), 0.397887, 1e-5);
}

nlohmann::json sweep_result(double lr, double dev_loss, bool diverged = false) {
  return {{"problem", "quadratic_deep"},       {"optimizer", "sgd"},   {"lr", lr}, {"seed", 0},
          {"final", {{"dev_loss", dev_loss}}}, {"diverged", diverged}, {"key", ""}};
}

TEST(BenchmarkProtocol, BestLrByFinalDevLossWithDivergedRunsLast) {
  const Problem& quadratic = benchmark_problem("quadratic_deep");
  const std::vector<nlohmann::json> results = {sweep_result(0.1, 5.0), sweep_result(1.0, 1.0, true),
                                               sweep_result(0.01, 3.0)};
  EXPECT_EQ(best_lr(quadratic, "sgd", results), 0.01);
  BenchmarkConfig config{.problems = {"quadratic_deep"}, .optimizers = {"sgd"}, .lr_grid = "0.01,0.1,1", .seeds = 3};
  const std::vector<RunSpec> reruns = seed_runs(config, results);
  ASSERT_EQ(reruns.size(), 2u);
  EXPECT_EQ(reruns[0].lr, 0.01);
  EXPECT_EQ(reruns[1].seed, 2u);
  EXPECT_TRUE(seed_runs(config, {results[0], results[1]}).empty());  // the sweep is not finished
  EXPECT_EQ(sweep_runs(config).size(), 3u);
}

TEST(BenchmarkProtocol, OptimizerSpecGetsTheGridLr) {
  EXPECT_EQ((RunSpec{.problem = "p", .optimizer = "adam", .lr = 0.001, .seed = 0}.with_lr()), "adam:lr=0.001");
  EXPECT_EQ((RunSpec{.problem = "p", .optimizer = "sgd:momentum=0.9", .lr = 0.1, .seed = 0}.with_lr()),
            "sgd:momentum=0.9,lr=0.1");
  BenchmarkConfig config{.problems = {"quadratic_deep"}, .optimizers = {"sgd:lr=0.1"}};
  EXPECT_THROW(validate(config), ValueError);
}

TEST(BenchmarkReport, MeanAndSampleStandardDeviation) {
  const MeanSd m = mean_sd({1.0, 2.0, 3.0, std::nan("")});
  EXPECT_EQ(m.count, 3);
  EXPECT_DOUBLE_EQ(m.mean, 2.0);
  EXPECT_DOUBLE_EQ(m.sd, 1.0);
  EXPECT_EQ(mean_sd({}).count, 0);
}

// Dolan & Moré (2002), eq. (1): two problems, solver 0 best on the first, solver 1 twice as slow
// there and alone in solving the second.
TEST(BenchmarkReport, PerformanceProfileCountsProblemsWithinTau) {
  const std::vector<std::vector<double>> cost = {{10, 20}, {INFINITY, 5}};
  const auto profile = performance_profile(cost, {1.0, 1.9, 2.0, 100.0});
  EXPECT_EQ(profile[0], (std::vector<double>{0.5, 0.5, 0.5, 0.5}));
  EXPECT_EQ(profile[1], (std::vector<double>{0.5, 0.5, 1.0, 1.0}));
}

// Smith's range test: the lr grows by the same factor each step from start to end, the weights
// are as before afterwards, and the suggestions lie on the curve.
TEST(LrFind, ExponentialRatesAndWeightsRestored) {
  std::vector<float> features, labels;
  for (int i = 0; i < 200; ++i) {
    const float a = static_cast<float>(i % 17) / 17.0f, b = static_cast<float>(i % 11) / 11.0f;
    features.insert(features.end(), {a, b});
    labels.push_back(a + b > 1.0f ? 1.0f : 0.0f);
  }
  const Dataset all = make_dataset(features, labels, 2, 2);
  const DataSplits data{.train = all.rows(0, 160), .dev = all.rows(160, 200), .test = all.rows(160, 200), .scaler = {}};
  Generator gen(3);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  const std::vector<double> before = model->named_parameters()[0].second.to_vector();
  auto optimizer = optim::make_optimizer("sgd:lr=0.1", model->parameters());
  FitOptions options;
  options.batch_size = 16;
  const LrFindResult r =
      lr_range_test(*model, *optimizer, data, options, {.start_lr = 1e-4, .end_lr = 1e2, .steps = 30});
  ASSERT_GE(r.lrs.size(), 2u);
  EXPECT_DOUBLE_EQ(r.lrs[0], 1e-4);
  for (std::size_t i = 1; i < r.lrs.size(); ++i) EXPECT_NEAR(r.lrs[i] / r.lrs[i - 1], std::pow(1e6, 1.0 / 29), 1e-9);
  EXPECT_EQ(r.losses.size(), r.lrs.size());
  EXPECT_EQ(model->named_parameters()[0].second.to_vector(), before);
  EXPECT_GE(r.minimum_lr, r.lrs.front());
  EXPECT_LE(r.steepest_lr, r.minimum_lr);
  EXPECT_DOUBLE_EQ(r.suggested_lr(), r.minimum_lr / 10);
  EXPECT_THROW(lr_range_test(*model, *optimizer, data, options, {.start_lr = 1, .end_lr = 0.1}), ValueError);
}

}  // namespace
}  // namespace descent
