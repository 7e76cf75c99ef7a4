// The spec parser, the registry and hyperparameter validation.
#include <gtest/gtest.h>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

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
    if (info.name == "lookahead") continue;  // needs an inner optimizer
    auto opt = make_optimizer(info.name, one_param());
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
