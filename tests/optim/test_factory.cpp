// The spec parser, the registry and hyperparameter validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/descent.hpp"
#include "descent/optim/adam.hpp"
#include "descent/optim/factory.hpp"
#include "descent/optim/sgd.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

std::vector<Tensor> one_param() { return {Tensor::zeros(Shape{3}, DType::f64).requires_grad_()}; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Factory, ParsesPyTorchNamesPairsAndFlags) {
  auto opt = make_optimizer("sgd:lr=0.1,momentum=0.9,nesterov=true", one_param());
  EXPECT_EQ(opt->name(), "sgd");
  const Options& o = opt->param_groups()[0].options;
  EXPECT_DOUBLE_EQ(o.at("lr"), 0.1);
  EXPECT_DOUBLE_EQ(o.at("momentum"), 0.9);
  EXPECT_DOUBLE_EQ(o.at("nesterov"), 1.0);
  EXPECT_DOUBLE_EQ(o.at("dampening"), 0.0);

  auto adam = make_optimizer("adam:lr=1e-3,betas=0.8/0.99", one_param());
  EXPECT_DOUBLE_EQ(adam->param_groups()[0].options.at("beta1"), 0.8);
  EXPECT_DOUBLE_EQ(adam->param_groups()[0].options.at("beta2"), 0.99);
  EXPECT_DOUBLE_EQ(adam->param_groups()[0].options.at("eps"), 1e-8);
}

TEST(Factory, UnknownNameListsValidOnes) {
  std::string msg = error_of([] { make_optimizer("adamm:lr=1", one_param()); });
  EXPECT_NE(msg.find("unknown optimizer 'adamm'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sgd"), std::string::npos) << msg;
  EXPECT_NE(msg.find("adamw"), std::string::npos) << msg;
}

// The registry's constructors take an options map directly (no spec text to check first): an
// unknown key there is refused as well, naming the valid ones.
TEST(Factory, RegistryConstructorRefusesAnUnknownKey) {
  const auto sgd = std::find_if(optimizer_registry().begin(), optimizer_registry().end(),
                                [](const OptimizerInfo& info) { return info.name == "sgd"; });
  ASSERT_NE(sgd, optimizer_registry().end());
  std::vector<ParamGroup> groups = {{.params = one_param(), .names = {}, .options = {}}};
  const std::string msg = error_of([&] { sgd->make(groups, {{"learning_rate", 0.1}}); });
  EXPECT_EQ(msg.rfind("sgd: unknown hyperparameter 'learning_rate' (valid: lr, momentum", 0), 0u) << msg;
  EXPECT_EQ(sgd->make(groups, {{"lr", 0.1}})->name(), "sgd");
}

TEST(Factory, UnknownKeyListsValidOnes) {
  std::string msg = error_of([] { make_optimizer("sgd:learning_rate=0.1", one_param()); });
  EXPECT_NE(msg.find("unknown hyperparameter 'learning_rate'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("momentum"), std::string::npos) << msg;
}

TEST(Factory, MalformedValuesAreRefused) {
  EXPECT_THROW(make_optimizer("sgd:lr=abc", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("sgd:lr", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("adam:betas=0.9", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("", one_param()), ValueError);
}

TEST(Factory, OutOfRangeHyperparametersNameParameterValueAndRange) {
  std::string msg = error_of([] { make_optimizer("sgd:lr=-1", one_param()); });
  EXPECT_NE(msg.find("lr = -1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 <= lr"), std::string::npos) << msg;
  msg = error_of([] { make_optimizer("adam:betas=1.0/0.999", one_param()); });
  EXPECT_NE(msg.find("beta1 = 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0 <= beta1 < 1"), std::string::npos) << msg;
  EXPECT_NE(error_of([] { make_optimizer("adam:eps=-1e-8", one_param()); }), "");
  EXPECT_NE(error_of([] { make_optimizer("sgd:momentum=-0.1", one_param()); }), "");
  EXPECT_NE(error_of([] { make_optimizer("sgd:nesterov=true", one_param()); }).find("nesterov"), std::string::npos);
  EXPECT_NE(error_of([] { make_optimizer("sgd:nesterov=true,momentum=0.9,dampening=0.1", one_param()); }), "");
  EXPECT_NE(error_of([] { make_optimizer("sgd:nesterov=2,momentum=0.9", one_param()); }), "");
}

TEST(Factory, EveryRegisteredOptimizerIsBuiltWithDefaultsAndListed) {
  std::string listing = describe_optimizers();
  for (const OptimizerInfo& info : optimizer_registry()) {
    if (info.wrap) continue;  // lookahead and sam need an inner optimizer
    // Muon needs a matrix among the parameters.
    std::vector<Tensor> params = one_param();
    if (info.name == "muon") params.push_back(Tensor::zeros(Shape{2, 3}, DType::f64).requires_grad_());
    auto opt = make_optimizer(info.name, params);
    EXPECT_EQ(opt->name(), info.name);
    EXPECT_NE(listing.find(info.name + "  "), std::string::npos) << info.name;
    for (const Hyperparameter& h : info.hyperparameters)
      EXPECT_DOUBLE_EQ(opt->param_groups()[0].get(h.name), h.value) << info.name << "." << h.name;
  }
}

TEST(Factory, WrappersTakeTheirInnerSpecInParentheses) {
  auto opt = make_optimizer("lookahead(adam:lr=0.01,betas=0.8/0.9):k=3,alpha=0.25", one_param());
  EXPECT_EQ(opt->name(), "lookahead");
  const Options& o = opt->param_groups()[0].options;
  EXPECT_DOUBLE_EQ(o.at("k"), 3.0);
  EXPECT_DOUBLE_EQ(o.at("alpha"), 0.25);
  EXPECT_DOUBLE_EQ(o.at("lr"), 0.01);
  EXPECT_DOUBLE_EQ(o.at("beta1"), 0.8);
  EXPECT_THROW(make_optimizer("lookahead:k=5", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("lookahead(adam:lr=0.01):lr=0.1", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("lookahead(adam:lr=0.01", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("sgd(adam)", one_param()), ValueError);
  EXPECT_THROW(make_optimizer("lookahead(adam):k=0", one_param()), ValueError);
}

TEST(Factory, TupleAndEnumerationValues) {
  auto rprop = make_optimizer("rprop:etas=0.4/1.3,step_sizes=1e-5/10", one_param());
  EXPECT_DOUBLE_EQ(rprop->param_groups()[0].get("etaminus"), 0.4);
  EXPECT_DOUBLE_EQ(rprop->param_groups()[0].get("step_size_max"), 10.0);
  EXPECT_THROW(make_optimizer("rprop:etas=1.3/0.4", one_param()), ValueError);
  auto lbfgs = make_optimizer("lbfgs:line_search_fn=strong_wolfe", one_param());
  EXPECT_DOUBLE_EQ(lbfgs->param_groups()[0].get("line_search_fn"), 1.0);
  EXPECT_THROW(make_optimizer("lbfgs:line_search_fn=backtracking", one_param()), ValueError);
}

TEST(Factory, TypedOptionsAndSpecsShareOneTable) {
  AdamW adamw(one_param(), {.lr = 3e-3, .weight_decay = 0.01});
  const Options& o = adamw.param_groups()[0].options;
  EXPECT_DOUBLE_EQ(o.at("lr"), 3e-3);
  EXPECT_DOUBLE_EQ(o.at("beta2"), 0.999);  // PyTorch's default, from the member initializer
  EXPECT_DOUBLE_EQ(o.at("weight_decay"), 0.01);
  SGD sgd(one_param(), {.lr = 0.1, .momentum = 0.9, .nesterov = true});
  auto from_spec = make_optimizer("sgd:lr=0.1,momentum=0.9,nesterov=true", one_param());
  EXPECT_EQ(sgd.param_groups()[0].options, from_spec->param_groups()[0].options);
  Adam adam(one_param(), {.betas = {0.8, 0.99}});
  EXPECT_DOUBLE_EQ(adam.param_groups()[0].get("beta1"), 0.8);
  EXPECT_THROW(SGD(one_param(), {.lr = std::numeric_limits<double>::infinity()}), ValueError);
  EXPECT_THROW(SGD(one_param(), {.nesterov = true}), ValueError);
}

TEST(Factory, SpecKeysAreCheckedBeforeValues) {
  EXPECT_NE(error_of([] { make_optimizer("sgd:lr=0.1,lr=0.2", one_param()); }).find("'lr'"), std::string::npos);
  const std::string twice = error_of([] { make_optimizer("adam:beta1=0.8,betas=0.9/0.99", one_param()); });
  EXPECT_NE(twice.find("beta1"), std::string::npos) << twice;
  EXPECT_NE(error_of([] { make_optimizer("sgd:lr=inf", one_param()); }).find("finite"), std::string::npos);
  const std::string msg = error_of([] { make_optimizer("adam:betass=0.9/0.99", one_param()); });
  EXPECT_NE(msg.find("unknown hyperparameter 'betass'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("betas, beta1, beta2"), std::string::npos) << msg;
}

TEST(Factory, LookaheadNestsToAnyDepth) {
  Tensor p = Tensor::from_data({1.0, -2.0}, Shape{2}, DType::f64).requires_grad_();
  auto opt = make_optimizer("lookahead(lookahead(sgd:lr=0.1):k=2):k=3", std::vector<Tensor>{p});
  EXPECT_DOUBLE_EQ(opt->param_groups()[0].get("k"), 2.0);            // the inner lookahead's
  EXPECT_DOUBLE_EQ(opt->param_groups()[0].get("lookahead.k"), 3.0);  // the outer one's
  for (int t = 0; t < 6; ++t) {
    p.set_grad(p.detach().clone());  // f = |θ|²/2
    opt->step();
  }
  EXPECT_LT(std::abs(p.at({0})), 1.0);
  const OptimizerState state = opt->state_dict();
  EXPECT_EQ(state.optimizer, "lookahead(lookahead(sgd))");
  Tensor q = p.detach().clone().requires_grad_();
  auto again = make_optimizer("lookahead(lookahead(sgd:lr=0.1):k=2):k=3", std::vector<Tensor>{q});
  again->load_state_dict(state);
  EXPECT_EQ(again->state_dict().globals, state.globals);
}
