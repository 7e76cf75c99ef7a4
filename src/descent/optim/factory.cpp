// The registry of optimizers, and optimizer specs read through the shared spec grammar and
// each optimizer's hyperparameter table.
#include "descent/optim/factory.hpp"

#include <algorithm>
#include <sstream>

#include "descent/optim/adafactor.hpp"
#include "descent/optim/adam.hpp"
#include "descent/optim/adam_variants.hpp"
#include "descent/optim/adaptive.hpp"
#include "descent/optim/adopt.hpp"
#include "descent/optim/asgd.hpp"
#include "descent/optim/lamb.hpp"
#include "descent/optim/lbfgs.hpp"
#include "descent/optim/lion.hpp"
#include "descent/optim/lookahead.hpp"
#include "descent/optim/muon.hpp"
#include "descent/optim/prodigy.hpp"
#include "descent/optim/sam.hpp"
#include "descent/optim/schedule_free.hpp"
#include "descent/optim/sgd.hpp"
#include "descent/optim/sign_adaptive.hpp"
#include "descent/optim/swats.hpp"
#include "descent/spec/spec.hpp"

namespace descent::optim {

namespace {

// Options over the defaults, checked against the table, as the typed options struct.
template <class Settings>
Settings typed(const std::string& name, const Table<Settings>& table, const std::vector<Hyperparameter>& rows,
               const Options& options) {
  const Options complete = with_defaults(name, rows, options);
  check_ranges(name, rows, complete);
  return table.from_map(complete);
}

template <class O>
OptimizerInfo entry(std::string summary) {
  const std::string name = O::table().name();
  return {name, std::move(summary), O::hyperparameters(),
          [name](std::vector<ParamGroup> groups, const Options& options) -> std::unique_ptr<Optimizer> {
            return std::make_unique<O>(std::move(groups), typed(name, O::table(), O::hyperparameters(), options));
          },
          nullptr};
}

// A wrapper W (Lookahead, SAM): built around the inner optimizer of its spec.
template <class W>
OptimizerInfo wrapper_entry(std::string summary) {
  const std::string name = W::table().name();
  return {name, std::move(summary), W::hyperparameters(), nullptr,
          [name](std::unique_ptr<Optimizer> inner, const Options& options) -> std::unique_ptr<Optimizer> {
            return std::make_unique<W>(std::move(inner), typed(name, W::table(), W::hyperparameters(), options));
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

// The keys a spec may give: every row's name, and each tuple's name before its first row.
std::vector<std::string> valid_keys(const std::vector<Hyperparameter>& rows) {
  std::vector<std::string> keys;
  for (const Hyperparameter& row : rows) {
    if (!row.tuple.empty() && std::find(keys.begin(), keys.end(), row.tuple) == keys.end()) keys.push_back(row.tuple);
    keys.push_back(row.name);
  }
  return keys;
}

// One arg's value as the group options hold it: a number, an integer, a flag (0/1) or a
// choice (the index of its name).
double value_of(const spec::Spec& spec, const spec::Arg& arg, const Hyperparameter& row) {
  switch (row.kind) {
    case Kind::integer: return static_cast<double>(spec::to_integer(spec, arg));
    case Kind::flag: return spec::to_bool(spec, arg) ? 1.0 : 0.0;
    case Kind::choice:
      for (std::size_t i = 0; i < row.choices.size(); ++i)
        if (row.choices[i] == arg.value) return static_cast<double>(i);
      spec::fail(spec, arg.key + " = '" + arg.value + "' is not one of: " + spec::joined(row.choices));
    case Kind::number: break;
  }
  return spec::to_number(spec, arg);
}

// The spec's args as group options, converted as the rows say. Every key is checked before
// any value is read; a key set twice (beta1 and betas) is refused.
Options options_of(const spec::Spec& spec, const std::vector<Hyperparameter>& rows) {
  const std::vector<std::string> keys = valid_keys(rows);
  for (const spec::Arg& arg : spec.args) {
    if (arg.key.empty()) spec::unknown_key(spec, arg, keys);  // a positional value
    if (std::find(keys.begin(), keys.end(), arg.key) == keys.end())
      spec::fail(spec,
                 "unknown hyperparameter '" + arg.key + "' for " + spec.name + " (valid: " + spec::joined(keys) + ")");
  }
  Options options;
  auto set = [&](const spec::Arg& arg, const std::string& key, double value) {
    if (!options.emplace(key, value).second) spec::fail(spec, "'" + arg.key + "' sets " + key + " a second time");
  };
  for (const spec::Arg& arg : spec.args) {
    auto row = std::find_if(rows.begin(), rows.end(), [&](const Hyperparameter& h) { return h.name == arg.key; });
    if (row != rows.end()) {
      set(arg, row->name, value_of(spec, arg, *row));
      continue;
    }
    const auto [first, second] = spec::to_pair(spec, arg);  // a tuple: its two rows, in order
    std::vector<std::string> halves;
    for (const Hyperparameter& h : rows)
      if (h.tuple == arg.key) halves.push_back(h.name);
    set(arg, halves.at(0), first);
    set(arg, halves.at(1), second);
  }
  return options;
}

std::unique_ptr<Optimizer> build(const spec::Spec& spec, std::vector<ParamGroup> groups) {
  const OptimizerInfo& info = find_info(spec.name);
  if (!info.wrap) {
    if (!spec.inner.empty()) spec::fail(spec, info.name + " does not wrap another optimizer");
    return info.make(std::move(groups), options_of(spec, info.hyperparameters));
  }
  if (spec.inner.size() != 1)
    spec::fail(spec, info.name + " wraps one optimizer: write " + info.name + "(INNER_SPEC), e.g. " + info.name +
                         "(adam:lr=1e-3)");
  const Options options = options_of(spec, info.hyperparameters);  // its own keys first
  return info.wrap(build(spec.inner[0], std::move(groups)), options);
}

// Every optimizer's rows, each name once: what a parameter group's options may hold.
std::vector<Hyperparameter> all_rows() {
  std::vector<Hyperparameter> rows;
  for (const OptimizerInfo& info : optimizer_registry())
    for (const Hyperparameter& row : info.hyperparameters)
      if (std::none_of(rows.begin(), rows.end(), [&](const Hyperparameter& h) { return h.name == row.name; }))
        rows.push_back(row);
  return rows;
}

}  // namespace

OptimizerSpec parse_optimizer_spec(const std::string& text) {
  const spec::Spec spec = spec::parse(text, "optimizer");
  const auto known = std::find_if(optimizer_registry().begin(), optimizer_registry().end(),
                                  [&](const OptimizerInfo& info) { return info.name == spec.name; });
  const Options options = options_of(spec, known != optimizer_registry().end() ? known->hyperparameters : all_rows());
  return {spec.name, options, spec.inner.empty() ? "" : spec.inner[0].text};
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, std::vector<ParamGroup> groups) {
  return build(spec::parse(spec, "optimizer"), std::move(groups));
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, std::vector<Tensor> params) {
  return make_optimizer(spec, Optimizer::one_group(std::move(params)));
}

const std::vector<OptimizerInfo>& optimizer_registry() {
  static const std::vector<OptimizerInfo> registry = {
      entry<SGD>("SGD with momentum, dampening, Nesterov (torch.optim.SGD; Sutskever et al. 2013)"),
      entry<Momentum>("momentum in its original form v = βv − αg; θ += v (Rumelhart et al. 1986)"),
      entry<Adam>("Adam with AMSGrad, L2 weight decay (torch.optim.Adam; Kingma & Ba 2015)"),
      entry<AdamW>("Adam with decoupled weight decay (torch.optim.AdamW; Loshchilov & Hutter 2019)"),
      entry<AdamEfficient>("Adam in the paper's efficient form α_t = α√(1−β₂ᵗ)/(1−β₁ᵗ) (Kingma & Ba 2015 §2)"),
      entry<Adagrad>("Adagrad (torch.optim.Adagrad; Duchi et al. 2011)"),
      entry<RMSprop>("RMSprop, centered and momentum variants (torch.optim.RMSprop; Tieleman & Hinton 2012)"),
      entry<Adadelta>("Adadelta (torch.optim.Adadelta; Zeiler 2012)"),
      entry<Adamax>("Adamax, Adam with the infinity norm (torch.optim.Adamax; Kingma & Ba 2015 §7)"),
      entry<NAdam>("Adam with Nesterov momentum (torch.optim.NAdam; Dozat 2016)"),
      entry<RAdam>("rectified Adam (torch.optim.RAdam; Liu et al. 2020)"),
      entry<Rprop>("resilient backpropagation (torch.optim.Rprop; Riedmiller & Braun 1993)"),
      entry<ASGD>("averaged SGD (torch.optim.ASGD; Polyak & Juditsky 1992)"),
      entry<LBFGS>("L-BFGS with optional strong-Wolfe line search (torch.optim.LBFGS; Liu & Nocedal 1989)"),
      entry<AdaptiveGains>("local adaptive gains / delta-bar-delta (Jacobs 1988)"),
      entry<SWATS>("Adam switching to SGD (Keskar & Socher 2017)"),
      entry<AdaBelief>("AdaBelief, Adam with the belief (g−m)² (Zhuang et al. 2020)"),
      entry<Lion>("Lion, sign of interpolated momentum (Chen et al. 2023)"),
      entry<LAMB>("LAMB, Adam with a per-tensor trust ratio (You et al. 2020)"),
      entry<ScheduleFreeAdamW>("Schedule-Free AdamW (Defazio et al. 2024)"),
      entry<Adopt>(
          "ADOPT, Adam normalizing by the previous second moment, clipped (optax's adopt; Taniguchi et al. 2024)"),
      entry<Adafactor>(
          "Adafactor, factored second moment, relative step (torch.optim.Adafactor; Shazeer & Stern 2018)"),
      entry<Prodigy>("Prodigy, Adam estimating its own step size (prodigyopt; Mishchenko & Defazio 2023)"),
      entry<Muon>(
          "Muon, momentum orthogonalized by Newton–Schulz; AdamW for non-matrices (torch.optim.Muon; Jordan et al. "
          "2024)"),
      wrapper_entry<Lookahead>(
          "Lookahead wrapping any optimizer: lookahead(INNER_SPEC):k=5,alpha=0.5 (Zhang et al. 2019)"),
      wrapper_entry<Sam>(
          "SAM, the inner step with the gradient at the worst point of a ρ-ball: sam(INNER_SPEC):rho=0.05 "
          "(Foret et al. 2021)"),
  };
  return registry;
}

std::string describe_optimizers() {
  std::ostringstream out;
  for (const OptimizerInfo& info : optimizer_registry()) {
    out << info.name << "  " << info.summary << "\n";
    for (const Hyperparameter& h : info.hyperparameters) {
      std::string setting = h.name + "=" + h.show(h.value);
      setting.resize(std::max<std::size_t>(setting.size() + 2, 30), ' ');
      out << "    " << setting << h.help << "\n";
    }
  }
  return out.str();
}

}  // namespace descent::optim
