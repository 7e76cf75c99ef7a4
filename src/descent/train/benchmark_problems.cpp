// DeepOBS's test problems (deepobs/pytorch/testproblems/*.py and DEFAULT_TEST_PROBLEMS_SETTINGS in
// deepobs/config.py) as descent data, models and losses.
#include "descent/train/benchmark_problems.hpp"

#include <cmath>
#include <numbers>

#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/ops/ops.hpp"
#include "descent/optim/test_functions.hpp"
#include "descent/spec/spec.hpp"
#include "descent/tensor/node.hpp"
#include "descent/train/config.hpp"
#include "descent/train/run.hpp"

namespace descent {

namespace {

constexpr int64_t kQuadraticDim = 100, kQuadraticExamples = 1000;  // DeepOBS's quadratic data set
constexpr double kQuadraticNoise = 0.6;
constexpr int64_t kTwoDExamples = 10000;  // DeepOBS's two_d data set, noise N(0, 1)
// DeepOBS draws the data of its synthetic problems from fixed seeds (42 for training, 43 for
// test); the seed of a run changes only the order of the minibatches. Ours draw the dev set too.
constexpr uint64_t kTrainSeed = 42, kTestSeed = 43, kDevSeed = 44;

}  // namespace

// NOLINTNEXTLINE(readability-function-size): a declarative table
const std::vector<Problem>& benchmark_problems() {
  static const std::vector<Problem> problems = {
      {"quadratic_deep",
       "100-dim noisy quadratic 0.5 (θ − x)ᵀQ(θ − x), x ~ N(0, 0.6²), Q's spectrum 90 × U(0,1), 10 × U(30,60)",
       "synthetic", "", 100, 128, 0.0, false},
      {"mnist_logreg", "MNIST, softmax regression (784 → 10), cross-entropy", "mnist", "linear", 50, 128, 0.0, true},
      {"mnist_mlp", "MNIST, MLP 784-1000-500-100-10 with ReLU, cross-entropy", "mnist", "mlp:1000-500-100", 100, 128,
       0.0, true},
      {"fmnist_mlp", "Fashion-MNIST, MLP 784-1000-500-100-10 with ReLU, cross-entropy", "fashion-mnist",
       "mlp:1000-500-100", 100, 128, 0.0, true},
      {"fmnist_2c2d", "Fashion-MNIST, 2c2d: conv 32 5×5, max-pool, conv 64 5×5, max-pool, fc 1024, fc 10",
       "fashion-mnist", "2c2d", 100, 128, 0.0, true},
      {"cifar10_3c3d", "CIFAR-10, 3c3d: three conv + max-pool, fc 512, fc 256, fc 10; L2 0.002", "cifar10", "3c3d", 100,
       128, 0.002, true},
      // Not DeepOBS's: the lecture decks' Adam-against-SGD study (Wilson et al. 2017) on a ResNet.
      {"fmnist_resnet20", "Fashion-MNIST, ResNet-20 (He et al. 2016) with batch norm; not a DeepOBS problem",
       "fashion-mnist", "resnet20", 20, 128, 0.0, true},
      {"two_d_rosenbrock", "(1 − u)² + 100(v − u²)² + u·x + v·y, (x, y) ~ N(0, 1), start (−0.5, 1.5)", "synthetic", "",
       20, 128, 0.0, false},
      {"two_d_beale", "(1.5 − u + uv)² + (2.25 − u + uv²)² + (2.625 − u + uv³)² + u·x + v·y, start (−4.5, 4.5)",
       "synthetic", "", 20, 128, 0.0, false},
      {"two_d_branin", "(v − 5.1u²/(4π²) + 5u/π − 6)² + 10(1 − 1/(8π)) cos u + 10 + u·x + v·y, start (2.5, 12.5)",
       "synthetic", "", 20, 128, 0.0, false},
  };
  return problems;
}

const Problem& benchmark_problem(const std::string& name) {
  std::vector<std::string> names;
  for (const Problem& problem : benchmark_problems()) {
    if (problem.name == name) return problem;
    names.push_back(problem.name);
  }
  throw ValueError("unknown problem '" + name + "' (expected " + spec::joined(names) + ")");
}

// ---- quadratic_deep ----

namespace {

// A rotation drawn uniformly from SO(dim): DeepOBS's random_rotation, the subgroup algorithm
// of Diaconis & Shahshahani (1987), which grows a rotation of SO(d) into one of SO(d + 1) by a
// Householder reflection. Row-major.
std::vector<double> random_rotation(int64_t dim, Generator& gen) {
  const double t = 2 * std::numbers::pi * gen.uniform();
  std::vector<double> r = {std::cos(t), std::sin(t), -std::sin(t), std::cos(t)};
  for (int64_t d = 2; d < dim; ++d) {
    const int64_t n = d + 1;
    std::vector<double> v(n);
    double norm = 0;
    for (double& vi : v) {
      vi = gen.normal();
      norm += vi * vi;
    }
    for (double& vi : v) vi /= std::sqrt(norm);
    std::vector<double> x(n);  // (e₁ − v) / ‖e₁ − v‖
    double x_norm = 0;
    for (int64_t i = 0; i < n; ++i) {
      x[i] = (i == 0 ? 1.0 : 0.0) - v[i];
      x_norm += x[i] * x[i];
    }
    for (double& xi : x) xi /= std::sqrt(x_norm);
    std::vector<double> block(n * n, 0.0);  // diag(1, R)
    block[0] = 1;
    for (int64_t i = 0; i < d; ++i)
      for (int64_t j = 0; j < d; ++j) block[(i + 1) * n + j + 1] = r[i * d + j];
    std::vector<double> xt_block(n, 0.0);  // xᵀ diag(1, R)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) xt_block[j] += x[i] * block[i * n + j];
    r.assign(n * n, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) r[i * n + j] = block[i * n + j] - 2 * x[i] * xt_block[j];
  }
  for (double& ri : r) ri = -ri;  // DeepOBS negates to fix the determinant
  return r;
}

Dataset normal_rows(int64_t rows, int64_t cols, double std, uint64_t seed) {
  Generator gen(seed);
  std::vector<float> features(static_cast<std::size_t>(rows * cols));
  for (float& f : features) f = static_cast<float>(gen.normal(0.0, std));
  return make_dataset(std::move(features), std::vector<float>(static_cast<std::size_t>(rows), 0.0f), cols, 0);
}

DataSplits synthetic_splits(int64_t rows, int64_t cols, double std) {
  return {.train = normal_rows(rows, cols, std, kTrainSeed),
          .dev = normal_rows(rows, cols, std, kDevSeed),
          .test = normal_rows(rows, cols, std, kTestSeed),
          .scaler = {}};
}

}  // namespace

std::vector<double> quadratic_deep_hessian(int64_t dim, uint64_t seed, std::vector<double>* eigenvalues) {
  Generator gen(seed);
  std::vector<double> lambda(static_cast<std::size_t>(dim));
  const int64_t small = dim * 9 / 10;
  for (int64_t i = 0; i < dim; ++i) lambda[i] = i < small ? gen.uniform(0.0, 1.0) : gen.uniform(30.0, 60.0);
  const std::vector<double> r = random_rotation(dim, gen);
  std::vector<double> q(static_cast<std::size_t>(dim * dim), 0.0);  // Rᵀ diag(λ) R
  for (int64_t i = 0; i < dim; ++i)
    for (int64_t j = 0; j < dim; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < dim; ++k) sum += r[k * dim + i] * lambda[k] * r[k * dim + j];
      q[i * dim + j] = sum;
    }
  if (eigenvalues) *eigenvalues = lambda;
  return q;
}

NoisyQuadratic::NoisyQuadratic(const std::vector<double>& q, int64_t dim) {
  theta = register_parameter("theta", Tensor::ones({1, dim}));
  hessian = register_buffer("hessian", Tensor::from_data(std::span<const double>(q), {dim, dim}));
}

Tensor NoisyQuadratic::forward(const Tensor& x) {
  const Tensor d = sub(theta, x);                         // (N, D)
  return mul(sum(mul(matmul(d, hessian), d), {1}), 0.5);  // 0.5 dᵀQd per row
}

// ---- the noisy 2-D functions ----

namespace {

// Branin–Hoo with the usual constants (Dixon & Szegő 1978; DeepOBS's two_d_branin).
constexpr double kBraninB = 5.1 / (4 * std::numbers::pi * std::numbers::pi), kBraninC = 5 / std::numbers::pi,
                 kBraninS = 10, kBraninT = 1 / (8 * std::numbers::pi);

double branin(double u, double v) {
  const double inner = v - kBraninB * u * u + kBraninC * u - 6;
  return inner * inner + kBraninS * (1 - kBraninT) * std::cos(u) + kBraninS;
}
optim::Point branin_grad(double u, double v) {
  const double inner = v - kBraninB * u * u + kBraninC * u - 6;
  return {2 * inner * (-2 * kBraninB * u + kBraninC) - kBraninS * (1 - kBraninT) * std::sin(u), 2 * inner};
}

struct Function2d {
  double (*value)(double, double);
  optim::Point (*gradient)(double, double);
};

Function2d function_2d(const std::string& name) {
  if (name == "branin") return {branin, branin_grad};
  const optim::TestFunction& f = optim::test_function(name);
  return {f.value, f.gradient};
}

optim::Point start_2d(const std::string& name) {
  if (name == "rosenbrock") return {-0.5, 1.5};
  if (name == "beale") return {-4.5, 4.5};
  return {2.5, 12.5};
}

}  // namespace

// Forward beside backward: d/du = Σᵢ gᵢ (∂f/∂u + xᵢ), d/dv = Σᵢ gᵢ (∂f/∂v + yᵢ).
Tensor noisy_2d_loss(const std::string& function, const Tensor& u, const Tensor& v, const Tensor& noise) {
  const Function2d f = function_2d(function);
  const double uu = u.item(), vv = v.item();
  const std::vector<double> xy = noise.to_vector();
  const std::size_t n = xy.size() / 2;
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = f.value(uu, vv) + uu * xy[2 * i] + vv * xy[2 * i + 1];
  Tensor out = Tensor::from_data(std::span<const double>(values), {static_cast<int64_t>(n)}, u.dtype());
  if (!any_requires_grad({u, v})) return out;
  return record(out, "noisy_2d", {u, v}, [f, uu, vv, xy, dtype = u.dtype()](Node& node, const Tensor& g) {
    const std::vector<double> grads = g.to_vector();
    const optim::Point df = f.gradient(uu, vv);
    double du = 0, dv = 0;
    for (std::size_t i = 0; i < grads.size(); ++i) {
      du += grads[i] * (df[0] + xy[2 * i]);
      dv += grads[i] * (df[1] + xy[2 * i + 1]);
    }
    node.accumulate(0, Tensor::from_data({du}, {1}, dtype));
    node.accumulate(1, Tensor::from_data({dv}, {1}, dtype));
  });
}

Noisy2d::Noisy2d(const std::string& function) : function_(function) {
  const optim::Point start = start_2d(function);
  u = register_parameter("weight", Tensor::full({1}, start[0]));
  v = register_parameter("bias", Tensor::full({1}, start[1]));
}

Tensor Noisy2d::forward(const Tensor& noise) { return noisy_2d_loss(function_, u, v, noise); }

// ---- building a problem ----

ProblemInstance make_problem(const Problem& problem, uint64_t seed, int64_t subset) {
  ProblemInstance instance;
  const auto mean_output = [](const Tensor& out, const Tensor&) { return mean(out); };
  if (problem.name == "quadratic_deep") {
    instance.data = synthetic_splits(kQuadraticExamples, kQuadraticDim, kQuadraticNoise);
    instance.model = std::make_shared<NoisyQuadratic>(quadratic_deep_hessian(kQuadraticDim, kTrainSeed), kQuadraticDim);
    instance.loss = mean_output;
  } else if (problem.name.starts_with("two_d_")) {
    instance.data = synthetic_splits(kTwoDExamples, 2, 1.0);
    instance.model = std::make_shared<Noisy2d>(problem.name.substr(6));
    instance.loss = mean_output;
  } else {
    TrainConfig config;
    config.data = problem.data;
    config.model = problem.model;
    config.dropout = 0.0;
    config.seed = seed;
    instance.data = load_splits(config);
    Generator init_gen(seed);
    instance.model = build_model(config, instance.data.train.item_shape, instance.data.train.num_outputs(), &init_gen);
    instance.loss_name = "cross_entropy";
  }
  if (subset > 0 && subset < instance.data.train.size()) instance.data.train = instance.data.train.rows(0, subset);
  return instance;
}

}  // namespace descent
