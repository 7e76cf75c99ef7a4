// Every optimizer resumes exactly from its state dict, and refuses a state it cannot take
// without changing anything.
#include <gtest/gtest.h>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

std::string spec_of(const OptimizerInfo& info) {
  if (info.name == "lookahead") return "lookahead(adam):k=2";
  return info.wrap ? info.name + "(adam)" : info.name;
}

struct Problem {
  std::vector<Tensor> params = {Tensor::from_data({1.0, -2.0, 0.5}, Shape{3}, DType::f64).requires_grad_(),
                                Tensor::from_data({0.3, 0.1, -0.7, 2.0}, Shape{2, 2}, DType::f64).requires_grad_()};
  // f = Σ c_i (θ_i − 0.25)², an ill-conditioned quadratic; the closure sets ∇f.
  double closure() {
    double f = 0.0;
    for (Tensor& p : params) {
      Tensor g = Tensor::empty_like(p);
      const double* x = p.data<double>();
      double* gx = g.data<double>();
      for (int64_t i = 0; i < p.numel(); ++i) {
        const double c = 1.0 + i;
        f += c * (x[i] - 0.25) * (x[i] - 0.25);
        gx[i] = 2.0 * c * (x[i] - 0.25);
      }
      p.set_grad(g);
    }
    return f;
  }
  std::vector<double> values() const {
    std::vector<double> out;
    for (const Tensor& p : params)
      for (double v : p.to_vector()) out.push_back(v);
    return out;
  }
};

}  // namespace

TEST(StateDict, EveryOptimizerResumesExactly) {
  for (const OptimizerInfo& info : optimizer_registry()) {
    Problem a, b;
    auto first = make_optimizer(spec_of(info), a.params);
    for (int t = 0; t < 3; ++t) first->step([&] { return a.closure(); });
    // b starts where a is now, from a's saved state, in a fresh optimizer.
    for (std::size_t i = 0; i < a.params.size(); ++i) b.params[i].detach().copy_(a.params[i].detach());
    auto second = make_optimizer(spec_of(info), b.params);
    second->load_state_dict(first->state_dict());
    for (int t = 0; t < 3; ++t) {
      first->step([&] { return a.closure(); });
      second->step([&] { return b.closure(); });
    }
    EXPECT_EQ(a.values(), b.values()) << info.name;
  }
}

TEST(StateDict, RefusedStatesLeaveTheOptimizerUnchanged) {
  for (const OptimizerInfo& info : optimizer_registry()) {
    Problem a;
    auto opt = make_optimizer(spec_of(info), a.params);
    opt->step([&] { return a.closure(); });
    const OptimizerState before = opt->state_dict();

    OptimizerState other = before;
    other.optimizer = "something_else";
    EXPECT_THROW(opt->load_state_dict(other), ValueError) << info.name;

    OptimizerState wrong_shape = before;
    for (auto& [index, param_state] : wrong_shape.state)
      for (auto& [key, buffer] : param_state.buffers)
        buffer = Tensor::zeros(Shape{9}, DType::f64);  // no parameter (nor all 7 values) has 9
    if (!wrong_shape.state.empty() && !wrong_shape.state.begin()->second.buffers.empty())
      EXPECT_THROW(opt->load_state_dict(wrong_shape), ValueError) << info.name;

    OptimizerState bad_value = before;
    bad_value.groups[0]["lr"] = -1.0;
    EXPECT_THROW(opt->load_state_dict(bad_value), ValueError) << info.name;

    const OptimizerState after = opt->state_dict();
    EXPECT_EQ(after.groups, before.groups) << info.name;
    ASSERT_EQ(after.state.size(), before.state.size()) << info.name;
    for (const auto& [index, param_state] : before.state) {
      EXPECT_EQ(after.state.at(index).scalars, param_state.scalars) << info.name;
      for (const auto& [key, buffer] : param_state.buffers)
        EXPECT_EQ(after.state.at(index).buffers.at(key).to_vector(), buffer.to_vector()) << info.name << " " << key;
    }
  }
}
