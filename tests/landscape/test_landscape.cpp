// descent landscape: filter-normalized directions (Li et al. 2018), the grid's origin is the
// trained model, the grid is laid out as documented, and bad input gets a clear message.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include "common/run_descent.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "descent/core/error.hpp"
#include "descent/core/threads.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/train/landscape.hpp"
#include "landscape/render_check.hpp"

namespace fs = std::filesystem;
using namespace descent;

namespace {

// Row norms of the direction must match the weights' to float32 rounding.
constexpr double kNormTolerance = 1e-5;

double row_norm(const Tensor& t, int64_t row) {
  const std::vector<double> v = t.select(0, row).contiguous().to_vector();
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// Four Gaussian blobs in 5-D, 3 classes: enough for a non-trivial loss.
Dataset blobs(int64_t n) {
  Generator gen(11);
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = static_cast<int64_t>(gen.randint(3));
    for (int k = 0; k < 5; ++k) x.push_back(static_cast<float>(gen.normal(k == label ? 2.0 : 0.0, 1.0)));
    y.push_back(static_cast<float>(label));
  }
  return make_dataset(x, y, 5, 3);
}

// Models of the architecture `spec`, with arbitrary values (loss_landscape loads the trained ones).
ModelFactory factory(const std::string& spec) {
  return [spec] {
    Generator unused(99);
    return std::shared_ptr<Module>(make_mlp(spec, 5, 3, {}, &unused));
  };
}

using Output = descent::testing::CliOutput;
Output run_cli(const std::string& args) { return descent::testing::run_descent(args); }

fs::path temp_dir() {
  fs::path p = fs::temp_directory_path() / ("descent_landscape_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

void expect_error(const Output& o, const std::string& needle) {
  EXPECT_NE(o.code, 0) << o.out;
  EXPECT_NE(o.out.find(needle), std::string::npos) << "missing '" << needle << "' in: " << o.out;
  EXPECT_EQ(o.out.find("terminate called"), std::string::npos) << o.out;
}

}  // namespace

TEST(Landscape, FilterNormalizedRowsHaveTheWeightsNorms) {
  Generator init(3);
  auto model = make_mlp("mlp:16-8", 5, 3, {}, &init);
  const NamedTensors params = model->named_parameters();
  Generator gen(5);
  const NamedTensors d = filter_normalized_direction(params, gen);
  ASSERT_EQ(d.size(), params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& [name, w] = params[k];
    EXPECT_EQ(d[k].first, name);
    EXPECT_EQ(d[k].second.shape(), w.shape()) << name;
    if (w.dim() >= 2) {
      for (int64_t r = 0; r < w.shape()[0]; ++r)
        EXPECT_NEAR(row_norm(d[k].second, r), row_norm(w, r), kNormTolerance * row_norm(w, r)) << name << " row " << r;
      // Random, not the weights themselves.
      EXPECT_NE(d[k].second.to_vector(), w.to_vector()) << name;
    } else {
      for (double v : d[k].second.to_vector()) EXPECT_EQ(v, 0.0) << name << ": biases are not perturbed";
    }
  }
  // The same generator state gives the same direction.
  Generator again(5);
  EXPECT_EQ(filter_normalized_direction(params, again)[0].second.to_vector(), d[0].second.to_vector());
}

TEST(Landscape, ZeroRowStaysZero) {
  Tensor w = Tensor::from_data({0, 0, 0, 1, 2, 2}, {2, 3});
  Generator gen(1);
  const NamedTensors d = filter_normalized_direction({{"w", w}}, gen);
  EXPECT_EQ(row_norm(d[0].second, 0), 0.0);
  EXPECT_NEAR(row_norm(d[0].second, 1), 3.0, 3.0 * kNormTolerance);
}

TEST(Landscape, OriginIsTheTrainedModel) {
  Generator init(3);
  auto model = make_mlp("mlp:16", 5, 3, {}, &init);
  const Dataset data = blobs(300);
  const LossFunction loss = make_loss("cross_entropy", 3);
  const EvalResult at_weights = evaluate(*model, data, loss, 300);

  Generator gen(9);
  const Landscape l = loss_landscape(factory("mlp:16"), model->state_dict(), data, loss,
                                     {.grid = 5, .lo = -1, .hi = 1, .batch_size = 300}, gen);
  ASSERT_EQ(l.a.size(), 5u);
  ASSERT_EQ(l.b.size(), 5u);
  ASSERT_EQ(l.loss.size(), 25u);
  EXPECT_EQ(l.a[2], 0.0);
  EXPECT_EQ(l.b[2], 0.0);
  EXPECT_DOUBLE_EQ(l.loss[2 * 5 + 2], at_weights.loss);
  EXPECT_DOUBLE_EQ(l.accuracy[2 * 5 + 2], at_weights.accuracy);
  // Away from the weights the loss changes.
  EXPECT_NE(l.loss[0], l.loss[12]);

  Generator gen_1d(9);
  const Landscape slice = loss_landscape(factory("mlp:16"), model->state_dict(), data, loss,
                                         {.grid = 7, .lo = -2, .hi = 2, .one_d = true, .batch_size = 64}, gen_1d);
  EXPECT_TRUE(slice.b.empty());
  ASSERT_EQ(slice.loss.size(), 7u);
  EXPECT_NEAR(slice.loss[3], at_weights.loss, 1e-6);  // batches of 64: a different summation order
  EXPECT_DOUBLE_EQ(slice.a[0], -2.0);
}

TEST(Landscape, GridPointsAreTheWeightsPlusDirections) {
  Generator init(4);
  auto model = make_mlp("mlp:8", 5, 3, {}, &init);
  const Dataset data = blobs(200);
  const LossFunction loss = make_loss("cross_entropy", 3);
  Generator gen(21);
  const Landscape l = loss_landscape(factory("mlp:8"), model->state_dict(), data, loss,
                                     {.grid = 3, .lo = -0.5, .hi = 1.5, .batch_size = 200}, gen);

  // Rebuild the point (a, b) = (1.5, -0.5), i.e. i = 2, j = 0, by hand.
  Generator same(21);
  const NamedTensors params = model->named_parameters();
  const NamedTensors d1 = filter_normalized_direction(params, same);
  const NamedTensors d2 = filter_normalized_direction(params, same);
  Generator init_copy(4);
  auto moved = make_mlp("mlp:8", 5, 3, {}, &init_copy);
  {
    NoGradGuard guard;
    const NamedTensors p = moved->named_parameters();
    for (std::size_t k = 0; k < p.size(); ++k) {
      Tensor t = p[k].second;
      t.add_(d1[k].second, 1.5);
      t.add_(d2[k].second, -0.5);
    }
  }
  EXPECT_NEAR(l.loss[0 * 3 + 2], evaluate(*moved, data, loss, 200).loss, 1e-5);
}

TEST(Landscape, ThreadsShareOutPointsWithoutChangingThem) {
  Generator init(6);
  auto model = make_mlp("mlp:32-16", 5, 3, {}, &init);
  const Dataset data = blobs(500);
  const LossFunction loss = make_loss("cross_entropy", 3);
  const LandscapeOptions options{.grid = 6, .lo = -0.7, .hi = 1.3, .batch_size = 128};
  auto landscape_on = [&](int threads) {
    set_num_threads(threads);
    Generator gen(13);
    return loss_landscape(factory("mlp:32-16"), model->state_dict(), data, loss, options, gen);
  };
  const Landscape one = landscape_on(1), two = landscape_on(2);
  EXPECT_EQ(get_num_threads(), 2) << "the thread setting outside the evaluation is kept";
  EXPECT_EQ(one.loss, two.loss);
  EXPECT_EQ(one.accuracy, two.accuracy);
  set_num_threads(0);
}

TEST(Landscape, ModelFactoryErrorsReachTheCaller) {
  Generator init(6);
  auto model = make_mlp("mlp:8", 5, 3, {}, &init);
  Generator gen(1);
  // The trained state does not fit the factory's architecture.
  EXPECT_THROW(loss_landscape(factory("mlp:9"), model->state_dict(), blobs(20), make_loss("cross_entropy", 3), {}, gen),
               Error);
}

TEST(Landscape, EvaluationSubsetDrawsDistinctRows) {
  const Dataset data = blobs(50);
  Generator gen(2);
  const Dataset s = evaluation_subset(data, 20, gen);
  EXPECT_EQ(s.size(), 20);
  EXPECT_EQ(s.num_classes, 3);
  std::set<std::vector<double>> rows;
  for (int64_t i = 0; i < s.size(); ++i) rows.insert(s.x.select(0, i).contiguous().to_vector());
  EXPECT_EQ(rows.size(), 20u);
  EXPECT_EQ(evaluation_subset(data, 1000, gen).size(), 50);
  EXPECT_THROW(evaluation_subset(data, 0, gen), ValueError);
}

TEST(Landscape, BadOptionsNameTheFlag) {
  auto message = [](const LandscapeOptions& o) {
    try {
      validate(o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({.grid = 1}).find("--grid"), std::string::npos);
  EXPECT_NE(message({.lo = 1, .hi = -1}).find("--range"), std::string::npos);
  EXPECT_NE(message({.lo = 0, .hi = 0}).find("--range"), std::string::npos);
  EXPECT_NE(message({.lo = -INFINITY, .hi = 1}).find("--range"), std::string::npos);
  EXPECT_EQ(message({}), "no error");
}

TEST(Landscape, PlotsContourAndSlice) {
  Generator init(3);
  auto model = make_mlp("mlp:8", 5, 3, {}, &init);
  const Dataset data = blobs(100);
  Generator gen(1);
  const LossFunction loss = make_loss("cross_entropy", 3);
  const Landscape l =
      loss_landscape(factory("mlp:8"), model->state_dict(), data, loss, {.grid = 9, .batch_size = 100}, gen);
  const std::string svg = plot_landscape(l, "contour").svg;
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("trained weights"), std::string::npos);
  const Landscape s = loss_landscape(factory("mlp:8"), model->state_dict(), data, loss,
                                     {.grid = 9, .one_d = true, .batch_size = 100}, gen);
  EXPECT_NE(plot_landscape(s, "slice").svg.find("trained weights"), std::string::npos);
}

TEST(LandscapeCli, TrainedRunAndBadInput) {
  const fs::path dir = temp_dir();
  const Output train = run_cli("train --data blobs --dev-size 200 --model mlp:8 --epochs 1 --threads 1 --quiet --out " +
                               (dir / "run").string());
  ASSERT_EQ(train.code, 0) << train.out;
  const std::string weights = (dir / "run" / "best.safetensors").string();

  Output o = run_cli("landscape --weights " + weights + " --grid 5 --examples 100 --threads 1 --out " +
                     (dir / "l.svg").string());
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("25 points x 100 train examples"), std::string::npos) << o.out;
  ASSERT_NO_FATAL_FAILURE(test::expect_renders(dir / "l.svg", 760, 620));
  o = run_cli("landscape --weights " + weights + " --1d --grid 11 --range=-2,2 --examples 50 --out " +
              (dir / "s.svg").string());
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("11 points x 50 train examples"), std::string::npos) << o.out;
  ASSERT_NO_FATAL_FAILURE(test::expect_renders(dir / "s.svg", 720, 440));

  expect_error(run_cli("landscape --weights " + weights + " --grid 1 --out " + (dir / "x.svg").string()), "--grid");
  expect_error(run_cli("landscape --weights " + weights + " --range=1,-1 --out " + (dir / "x.svg").string()),
               "--range");
  expect_error(run_cli("landscape --weights " + weights + " --range abc --out " + (dir / "x.svg").string()),
               "--range expects LO,HI");
  expect_error(run_cli("landscape --weights " + weights + " --examples 0 --out " + (dir / "x.svg").string()),
               "--examples");
  expect_error(run_cli("landscape --weights " + weights + " --split nope --out " + (dir / "x.svg").string()),
               "--split");
  // A weights file that descent train did not write.
  save_safetensors(dir / "bare.safetensors", {{"0.weight", Tensor::zeros({2, 2})}});
  expect_error(run_cli("landscape --weights " + (dir / "bare.safetensors").string()), "no descent_config");
  expect_error(run_cli("landscape --weights " + (dir / "missing.safetensors").string()), "missing.safetensors");
  EXPECT_FALSE(fs::exists(dir / "x.svg"));
}
