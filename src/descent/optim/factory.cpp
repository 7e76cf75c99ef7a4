// The registry of optimizers and the spec parser the CLI uses.
#include "descent/optim/factory.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "descent/optim/adam.hpp"
#include "descent/optim/adam_variants.hpp"
#include "descent/optim/adaptive.hpp"
#include "descent/optim/asgd.hpp"
#include "descent/optim/lamb.hpp"
#include "descent/optim/lbfgs.hpp"
#include "descent/optim/lion.hpp"
#include "descent/optim/lookahead.hpp"
#include "descent/optim/schedule_free.hpp"
#include "descent/optim/sgd.hpp"
#include "descent/optim/sign_adaptive.hpp"
#include "descent/optim/swats.hpp"

namespace descent::optim {

namespace {

template <class O>
OptimizerInfo entry(std::string name, std::string summary) {
  return {std::move(name), std::move(summary), O::hyperparameters(),
          [](std::vector<ParamGroup> groups, const Options& options) -> std::unique_ptr<Optimizer> {
            return std::make_unique<O>(std::move(groups), options);
          }};
}

std::string valid_names() {
  std::string out;
  for (const OptimizerInfo& info : optimizer_registry()) out += (out.empty() ? "" : ", ") + info.name;
  return out;
}

const OptimizerInfo& find_info(const std::string& name) {
  for (const OptimizerInfo& info : optimizer_registry())
    if (info.name == name) return info;
  throw ValueError("unknown optimizer '" + name + "' (valid: " + valid_names() + ")");
}

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

double parse_value(const std::string& spec, const std::string& key, const std::string& text) {
  if (text == "true" || text == "True") return 1.0;
  if (text == "false" || text == "False") return 0.0;
  if (key == "line_search_fn") {
    if (text == "strong_wolfe") return 1.0;
    if (text == "none" || text == "None") return 0.0;
    throw ValueError("optimizer spec '" + spec + "': line_search_fn = '" + text +
                     "' is not one of: strong_wolfe, none");
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE)
    throw ValueError("optimizer spec '" + spec + "': value '" + text + "' of " + key +
                     " is not a number (or true/false)");
  return v;
}

// "betas" → ("beta1", "beta2"), ...: PyTorch's tuple hyperparameters.
const std::vector<std::array<std::string, 3>>& pairs() {
  static const std::vector<std::array<std::string, 3>> table = {
      {"betas", "beta1", "beta2"}, {"etas", "etaminus", "etaplus"}, {"step_sizes", "step_size_min", "step_size_max"}};
  return table;
}

}  // namespace

OptimizerSpec parse_optimizer_spec(const std::string& spec_text) {
  const std::string spec = trim(spec_text);
  OptimizerSpec out;
  std::string rest;
  std::size_t paren = spec.find('('), colon = spec.find(':');
  if (paren != std::string::npos && (colon == std::string::npos || paren < colon)) {
    // wrapper(inner spec)[:options]: the inner spec runs to the matching parenthesis.
    int depth = 0;
    std::size_t close = std::string::npos;
    for (std::size_t i = paren; i < spec.size(); ++i) {
      if (spec[i] == '(') ++depth;
      if (spec[i] == ')' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == std::string::npos) throw ValueError("optimizer spec '" + spec + "': unbalanced parentheses");
    out.name = trim(spec.substr(0, paren));
    out.inner = trim(spec.substr(paren + 1, close - paren - 1));
    std::string after = spec.substr(close + 1);
    if (!after.empty() && after[0] != ':')
      throw ValueError("optimizer spec '" + spec + "': expected ':' after the inner optimizer");
    rest = after.empty() ? "" : after.substr(1);
  } else {
    out.name = trim(spec.substr(0, colon));
    rest = colon == std::string::npos ? "" : spec.substr(colon + 1);
  }
  if (out.name.empty()) throw ValueError("optimizer spec '" + spec + "' has no name (valid: " + valid_names() + ")");
  std::stringstream items(rest);
  std::string item;
  while (std::getline(items, item, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    if (eq == std::string::npos)
      throw ValueError("optimizer spec '" + spec + "': '" + item + "' is not key=value");
    std::string key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
    bool paired = false;
    for (const auto& [tuple, first, second] : pairs()) {
      if (key != tuple) continue;
      std::size_t slash = value.find('/');
      if (slash == std::string::npos)
        throw ValueError("optimizer spec '" + spec + "': " + key + " takes two values a/b, got '" + value + "'");
      out.options[first] = parse_value(spec, first, trim(value.substr(0, slash)));
      out.options[second] = parse_value(spec, second, trim(value.substr(slash + 1)));
      paired = true;
    }
    if (!paired) out.options[key] = parse_value(spec, key, value);
  }
  return out;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& spec_text, std::vector<ParamGroup> groups) {
  OptimizerSpec spec = parse_optimizer_spec(spec_text);
  const OptimizerInfo& info = find_info(spec.name);
  if (spec.name == "lookahead") {
    if (spec.inner.empty())
      throw ValueError("optimizer spec '" + spec_text +
                       "': lookahead wraps an optimizer, e.g. lookahead(adam:lr=1e-3):k=5,alpha=0.5");
    return std::make_unique<Lookahead>(make_optimizer(spec.inner, std::move(groups)), spec.options);
  }
  if (!spec.inner.empty())
    throw ValueError("optimizer spec '" + spec_text + "': " + spec.name + " does not wrap another optimizer");
  return info.make(std::move(groups), spec.options);
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, std::vector<Tensor> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return make_optimizer(spec, std::move(groups));
}

const std::vector<OptimizerInfo>& optimizer_registry() {
  static const std::vector<OptimizerInfo> registry = {
      entry<SGD>("sgd", "SGD with momentum, dampening, Nesterov (torch.optim.SGD; Sutskever et al. 2013)"),
      entry<Momentum>("momentum", "momentum in its original form v = βv − αg; θ += v (Rumelhart et al. 1986)"),
      entry<Adam>("adam", "Adam with AMSGrad, L2 weight decay (torch.optim.Adam; Kingma & Ba 2015)"),
      entry<AdamW>("adamw", "Adam with decoupled weight decay (torch.optim.AdamW; Loshchilov & Hutter 2019)"),
      entry<AdamEfficient>("adam_efficient", "Adam in the paper's efficient form α_t = α√(1−β₂ᵗ)/(1−β₁ᵗ) (Kingma & Ba 2015 §2)"),
      entry<Adagrad>("adagrad", "Adagrad (torch.optim.Adagrad; Duchi et al. 2011)"),
      entry<RMSprop>("rmsprop", "RMSprop, centered and momentum variants (torch.optim.RMSprop; Tieleman & Hinton 2012)"),
      entry<Adadelta>("adadelta", "Adadelta (torch.optim.Adadelta; Zeiler 2012)"),
      entry<Adamax>("adamax", "Adamax, Adam with the infinity norm (torch.optim.Adamax; Kingma & Ba 2015 §7)"),
      entry<NAdam>("nadam", "Adam with Nesterov momentum (torch.optim.NAdam; Dozat 2016)"),
      entry<RAdam>("radam", "rectified Adam (torch.optim.RAdam; Liu et al. 2020)"),
      entry<Rprop>("rprop", "resilient backpropagation (torch.optim.Rprop; Riedmiller & Braun 1993)"),
      entry<ASGD>("asgd", "averaged SGD (torch.optim.ASGD; Polyak & Juditsky 1992)"),
      entry<LBFGS>("lbfgs", "L-BFGS with optional strong-Wolfe line search (torch.optim.LBFGS; Liu & Nocedal 1989)"),
      entry<AdaptiveGains>("adaptive_gains", "local adaptive gains / delta-bar-delta (Jacobs 1988; seed 003)"),
      entry<SWATS>("swats", "Adam switching to SGD (Keskar & Socher 2017)"),
      entry<AdaBelief>("adabelief", "AdaBelief, Adam with the belief (g−m)² (Zhuang et al. 2020)"),
      entry<Lion>("lion", "Lion, sign of interpolated momentum (Chen et al. 2023)"),
      entry<LAMB>("lamb", "LAMB, Adam with a per-tensor trust ratio (You et al. 2020)"),
      entry<ScheduleFreeAdamW>("schedule_free_adamw", "Schedule-Free AdamW (Defazio et al. 2024)"),
      {"lookahead", "Lookahead wrapping any optimizer: lookahead(INNER_SPEC):k=5,alpha=0.5 (Zhang et al. 2019)",
       Lookahead::hyperparameters(), nullptr},
  };
  return registry;
}

std::string describe_optimizers() {
  std::ostringstream out;
  for (const OptimizerInfo& info : optimizer_registry()) {
    out << info.name << "  " << info.summary << "\n";
    for (const Hyperparameter& h : info.hyperparameters) {
      std::ostringstream value;
      if (h.name == "line_search_fn")
        value << (h.value != 0.0 ? "strong_wolfe" : "none");
      else if (h.flag)
        value << (h.value != 0.0 ? "true" : "false");
      else
        value << h.value;
      std::string setting = h.name + "=" + value.str();
      setting.resize(std::max<std::size_t>(setting.size() + 2, 30), ' ');
      out << "    " << setting << h.help << "\n";
    }
  }
  return out.str();
}

}  // namespace descent::optim
