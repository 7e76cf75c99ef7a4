// The test problems of `descent benchmark`, as DeepOBS defines them (Schneider, Balles & Hennig
// 2019, "DeepOBS: A Deep Learning Optimizer Benchmark Suite", §3 and its testproblems/ folder):
// data, architecture, batch size, epochs and L2 penalty. A problem builds its data splits, a
// freshly initialized model and its loss for one seed; fit() trains it like any other run.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/dtype.hpp"
#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"
#include "descent/train/fit.hpp"

namespace descent {

struct Problem {
  std::string name;        // DeepOBS's name: quadratic_deep, fmnist_2c2d, ...
  std::string definition;  // one line: data, model, loss, as DeepOBS has them
  std::string data;        // a `--data` name, or "synthetic" for the quadratic and 2-D problems
  std::string model;       // a `--model` spec (data problems only)
  int epochs = 0;
  int64_t batch_size = 128;
  double l2 = 0.0;              // FitOptions::l2 (DeepOBS's weight decay is an L2 penalty in the loss)
  bool classification = false;  // reports accuracies (dev_acc, test_acc, train_acc)
};

// Every problem, in the order the report lists them.
const std::vector<Problem>& benchmark_problems();
// The problem of that name; ValueError listing the names otherwise.
const Problem& benchmark_problem(const std::string& name);

// What a run of a problem trains: data, model (initialized from `seed`) and loss.
struct ProblemInstance {
  DataSplits data;
  std::shared_ptr<Module> model;
  LossFunction loss;      // set for the synthetic problems, whose model's output is the per-example loss
  std::string loss_name;  // the others' make_loss name
};

// Builds the problem for one seed. `subset` > 0 keeps the first `subset` training examples.
ProblemInstance make_problem(const Problem& problem, uint64_t seed, int64_t subset = 0);

// ---- the synthetic problems, exposed for their tests ----

// DeepOBS's quadratic_deep Hessian: Q = Rᵀ diag(λ) R with 90 eigenvalues λ ~ U(0, 1) and 10 ~
// U(30, 60) (the spectrum reported for deep nets by Chaudhari et al. 2017) and R a random
// rotation by the subgroup algorithm (Diaconis & Shahshahani 1987), both drawn from `seed`.
// Row-major, dim × dim; `eigenvalues`, when given, receives λ.
std::vector<double> quadratic_deep_hessian(int64_t dim, uint64_t seed, std::vector<double>* eigenvalues = nullptr);

// The noisy quadratic's model: per example 0.5 (θ − x)ᵀ Q (θ − x), θ (1, D) starting at ones.
class NoisyQuadratic : public Module {
 public:
  NoisyQuadratic(const std::vector<double>& hessian, int64_t dim);
  Tensor forward(const Tensor& x) override;  // x (N, D) -> (N)
  Tensor theta;
  Tensor hessian;  // a buffer, (D, D)
};

// DeepOBS's noisy 2-D functions: per example f(u, v) + u·x + v·y for noise (x, y) ~ N(0, 1), with
// u ("weight") and v ("bias") starting at DeepOBS's point. f is "rosenbrock", "beale" or "branin".
class Noisy2d : public Module {
 public:
  explicit Noisy2d(const std::string& function);
  Tensor forward(const Tensor& noise) override;  // noise (N, 2) -> (N)
  Tensor u, v;

 private:
  std::string function_;
};

// f(u, v) + u·x + v·y per row of noise (N, 2), differentiable in u and v (each of shape (1)).
Tensor noisy_2d_loss(const std::string& function, const Tensor& u, const Tensor& v, const Tensor& noise);

}  // namespace descent
