// The spec grammar (spec.hpp): splitting, the table of schedule names with their keys and
// defaults, and the builders.
#include "descent/schedule/spec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "descent/schedule/compose.hpp"
#include "descent/schedule/cosine.hpp"
#include "descent/schedule/cyclic.hpp"
#include "descent/schedule/decay.hpp"
#include "descent/schedule/functions.hpp"
#include "descent/schedule/lambda.hpp"
#include "descent/schedule/one_cycle.hpp"
#include "descent/schedule/plateau.hpp"
#include "descent/schedule/swa.hpp"

namespace descent {

namespace {

constexpr const char* kRequired = "required";
constexpr const char* kOptional = "optional";

// One term's key=value pairs, read against its schedule's table of keys and defaults.
class Args {
 public:
  Args(std::string schedule, std::string text, std::map<std::string, std::string> values,
       std::vector<std::pair<std::string, std::string>> keys)
      : schedule_(std::move(schedule)), text_(std::move(text)), values_(std::move(values)), keys_(std::move(keys)) {}

  const std::string& schedule() const { return schedule_; }
  bool has(const std::string& key) const { return values_.count(key) > 0; }

  std::string word(const std::string& key) const {
    auto it = values_.find(key);
    if (it != values_.end()) return it->second;
    for (const auto& [k, def] : keys_)
      if (k == key) {
        if (def == kRequired || def == kOptional) throw ValueError(schedule_ + ": missing key '" + key + "' in '" + text_ + "'");
        return def;
      }
    throw ValueError(schedule_ + ": no key '" + key + "'");  // a slip in the table below
  }

  double number(const std::string& key) const { return parse_number(key, word(key)); }

  int64_t integer(const std::string& key) const {
    double v = number(key);
    if (v != std::floor(v) || std::abs(v) > 9.0e15)
      throw ValueError(schedule_ + ": " + key + "=" + word(key) + " is not an integer");
    return static_cast<int64_t>(v);
  }

  bool flag(const std::string& key) const {
    std::string v = word(key);
    if (v == "1" || v == "true") return true;
    if (v == "0" || v == "false") return false;
    throw ValueError(schedule_ + ": " + key + "=" + v + " is not a flag (use 1/0 or true/false)");
  }

  std::vector<double> numbers(const std::string& key) const {
    std::vector<double> out;
    std::string v = word(key);
    std::size_t start = 0;
    while (true) {
      std::size_t end = v.find(';', start);
      out.push_back(parse_number(key, v.substr(start, end == std::string::npos ? std::string::npos : end - start)));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return out;
  }

  std::vector<int64_t> integers(const std::string& key) const {
    std::vector<int64_t> out;
    for (double v : numbers(key)) {
      if (v != std::floor(v))
        throw ValueError(schedule_ + ": " + key + "=" + word(key) + " holds a value that is not an integer");
      out.push_back(static_cast<int64_t>(v));
    }
    return out;
  }

 private:
  double parse_number(const std::string& key, const std::string& text) const {
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty())
      throw ValueError(schedule_ + ": " + key + "='" + text + "' is not a number");
    return v;
  }

  std::string schedule_, text_;
  std::map<std::string, std::string> values_;
  std::vector<std::pair<std::string, std::string>> keys_;
};

using Built = std::unique_ptr<LRScheduler>;

struct Entry {
  std::vector<std::pair<std::string, std::string>> keys;  // name, default (kRequired, kOptional)
  std::function<Built(Optimizer&, const Args&)> build;
  // The number of steps the term naturally lasts, when it has one.
  std::function<std::optional<int64_t>(const Args&)> length = [](const Args&) { return std::nullopt; };
};

Built function_lr(Optimizer& o, const Args& a, LrFunction f) {
  return std::make_unique<FunctionLR>(o, a.schedule(), std::move(f));
}

std::vector<double> group_lrs(const Optimizer& o) {
  std::vector<double> lrs;
  for (const ParamGroup& g : o.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

const std::map<std::string, Entry>& table() {
  static const std::map<std::string, Entry> entries = {
      // ---- PyTorch's schedulers ----
      {"step",
       {{{"step_size", kRequired}, {"gamma", "0.1"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<StepLR>(o, StepLROptions{.step_size = a.integer("step_size"), .gamma = a.number("gamma")});
        }}},
      {"multistep",
       {{{"milestones", kRequired}, {"gamma", "0.1"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<MultiStepLR>(
              o, MultiStepLROptions{.milestones = a.integers("milestones"), .gamma = a.number("gamma")});
        }}},
      {"exponential",
       {{{"gamma", kRequired}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<ExponentialLR>(o, ExponentialLROptions{.gamma = a.number("gamma")});
        }}},
      {"constant",
       {{{"factor", "0.3333333333333333"}, {"total_iters", "5"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<ConstantLR>(
              o, ConstantLROptions{.factor = a.number("factor"), .total_iters = a.integer("total_iters")});
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("total_iters"); }}},
      {"linear",
       {{{"start_factor", "0.3333333333333333"}, {"end_factor", "1"}, {"total_iters", "5"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<LinearLR>(o, LinearLROptions{.start_factor = a.number("start_factor"),
                                                               .end_factor = a.number("end_factor"),
                                                               .total_iters = a.integer("total_iters")});
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("total_iters"); }}},
      {"polynomial",
       {{{"total_iters", "5"}, {"power", "1"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<PolynomialLR>(
              o, PolynomialLROptions{.total_iters = a.integer("total_iters"), .power = a.number("power")});
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("total_iters"); }}},
      {"cosine",
       {{{"T_max", kRequired}, {"eta_min", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<CosineAnnealingLR>(
              o, CosineAnnealingLROptions{.T_max = a.integer("T_max"), .eta_min = a.number("eta_min")});
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("T_max"); }}},
      {"cosine_restarts",
       {{{"T_0", kRequired}, {"T_mult", "1"}, {"eta_min", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<CosineAnnealingWarmRestarts>(
              o, CosineAnnealingWarmRestartsOptions{
                     .T_0 = a.integer("T_0"), .T_mult = a.integer("T_mult"), .eta_min = a.number("eta_min")});
        }}},
      {"cyclic",
       {{{"base_lr", kOptional},
         {"max_lr", kRequired},
         {"step_size_up", "2000"},
         {"step_size_down", kOptional},
         {"mode", "triangular"},
         {"gamma", "1"},
         {"cycle_momentum", "1"},
         {"base_momentum", "0.8"},
         {"max_momentum", "0.9"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<CyclicLR>(
              o, CyclicLROptions{.base_lr = a.has("base_lr") ? a.numbers("base_lr") : group_lrs(o),
                                 .max_lr = a.numbers("max_lr"),
                                 .step_size_up = a.integer("step_size_up"),
                                 .step_size_down = a.has("step_size_down") ? a.integer("step_size_down") : 0,
                                 .mode = a.word("mode"),
                                 .gamma = a.number("gamma"),
                                 .scale_fn = {},
                                 .scale_mode = "cycle",
                                 .cycle_momentum = a.flag("cycle_momentum"),
                                 .base_momentum = a.numbers("base_momentum"),
                                 .max_momentum = a.numbers("max_momentum")});
        }}},
      {"onecycle",
       {{{"max_lr", kOptional},
         {"total_steps", kOptional},
         {"epochs", kOptional},
         {"steps_per_epoch", kOptional},
         {"pct_start", "0.3"},
         {"anneal_strategy", "cos"},
         {"cycle_momentum", "1"},
         {"base_momentum", "0.85"},
         {"max_momentum", "0.95"},
         {"div_factor", "25"},
         {"final_div_factor", "1e4"},
         {"three_phase", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<OneCycleLR>(
              o, OneCycleLROptions{.max_lr = a.has("max_lr") ? a.numbers("max_lr") : group_lrs(o),
                                   .total_steps = a.has("total_steps") ? a.integer("total_steps") : 0,
                                   .epochs = a.has("epochs") ? a.integer("epochs") : 0,
                                   .steps_per_epoch = a.has("steps_per_epoch") ? a.integer("steps_per_epoch") : 0,
                                   .pct_start = a.number("pct_start"),
                                   .anneal_strategy = a.word("anneal_strategy"),
                                   .cycle_momentum = a.flag("cycle_momentum"),
                                   .base_momentum = a.numbers("base_momentum"),
                                   .max_momentum = a.numbers("max_momentum"),
                                   .div_factor = a.number("div_factor"),
                                   .final_div_factor = a.number("final_div_factor"),
                                   .three_phase = a.flag("three_phase")});
        },
        [](const Args& a) -> std::optional<int64_t> {
          if (a.has("total_steps")) return a.integer("total_steps");
          if (a.has("epochs") && a.has("steps_per_epoch")) return a.integer("epochs") * a.integer("steps_per_epoch");
          return std::nullopt;
        }}},
      {"plateau",
       {{{"mode", "min"},
         {"factor", "0.1"},
         {"patience", "10"},
         {"threshold", "1e-4"},
         {"threshold_mode", "rel"},
         {"cooldown", "0"},
         {"min_lr", "0"},
         {"eps", "1e-8"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<ReduceLROnPlateau>(o, ReduceLROnPlateauOptions{.mode = a.word("mode"),
                                                                                 .factor = a.number("factor"),
                                                                                 .patience = a.integer("patience"),
                                                                                 .threshold = a.number("threshold"),
                                                                                 .threshold_mode = a.word("threshold_mode"),
                                                                                 .cooldown = a.integer("cooldown"),
                                                                                 .min_lr = a.numbers("min_lr"),
                                                                                 .eps = a.number("eps")});
        }}},
      {"swa",
       {{{"swa_lr", kRequired}, {"anneal_epochs", "10"}, {"anneal_strategy", "cos"}},
        [](Optimizer& o, const Args& a) -> Built {
          return std::make_unique<SWALR>(o, SWALROptions{.swa_lr = a.numbers("swa_lr"),
                                                         .anneal_epochs = a.integer("anneal_epochs"),
                                                         .anneal_strategy = a.word("anneal_strategy")});
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("anneal_epochs"); }}},
      // ---- seed 002: decay by `factor` when dev accuracy has not improved for `epochs` epochs ----
      {"accuracy_plateau",
       {{{"epochs", kRequired}, {"factor", "0.5"}, {"min_lr", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return plateau_on_dev_accuracy(o, a.integer("epochs"), a.number("factor"), a.number("min_lr"));
        }}},
      // ---- Keras's forms and the seeds' ----
      {"exponential_decay",
       {{{"decay_steps", kRequired}, {"decay_rate", kRequired}, {"staircase", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, exponential_decay(a.integer("decay_steps"), a.number("decay_rate"), a.flag("staircase")));
        }}},
      {"piecewise_constant",
       {{{"boundaries", kRequired}, {"values", kRequired}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, piecewise_constant_decay(a.integers("boundaries"), a.numbers("values")));
        }}},
      {"polynomial_decay",
       {{{"decay_steps", kRequired}, {"end_lr", "1e-4"}, {"power", "1"}, {"cycle", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, polynomial_decay(a.integer("decay_steps"), a.number("end_lr"), a.number("power"),
                                                    a.flag("cycle")));
        },
        [](const Args& a) -> std::optional<int64_t> {
          if (a.flag("cycle")) return std::nullopt;
          return a.integer("decay_steps");
        }}},
      {"inverse_time_decay",
       {{{"decay_steps", kRequired}, {"decay_rate", kRequired}, {"staircase", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, inverse_time_decay(a.integer("decay_steps"), a.number("decay_rate"), a.flag("staircase")));
        }}},
      {"cosine_decay",
       {{{"decay_steps", kRequired}, {"alpha", "0"}, {"warmup_steps", "0"}, {"warmup_target", kOptional}},
        [](Optimizer& o, const Args& a) -> Built {
          std::optional<double> target;
          if (a.has("warmup_target")) target = a.number("warmup_target");
          return function_lr(o, a, cosine_decay(a.integer("decay_steps"), a.number("alpha"), a.integer("warmup_steps"), target));
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("warmup_steps") + a.integer("decay_steps"); }}},
      {"cosine_decay_restarts",
       {{{"first_decay_steps", kRequired}, {"t_mul", "2"}, {"m_mul", "1"}, {"alpha", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, cosine_decay_restarts(a.integer("first_decay_steps"), a.number("t_mul"),
                                                         a.number("m_mul"), a.number("alpha")));
        }}},
      {"inverse_sqrt",
       {{{"warmup_steps", kRequired}, {"start_factor", "0"}},
        [](Optimizer& o, const Args& a) -> Built {
          return function_lr(o, a, inverse_sqrt_decay(a.integer("warmup_steps"), a.number("start_factor")));
        }}},
      {"natural_exp",
       {{{"k", kRequired}},
        [](Optimizer& o, const Args& a) -> Built { return function_lr(o, a, natural_exp_decay(a.number("k"))); }}},
      {"halving",
       {{{"every", kRequired}},
        [](Optimizer& o, const Args& a) -> Built { return function_lr(o, a, halving(a.integer("every"))); }}},
      {"warmup",
       {{{"steps", kRequired}, {"mode", "linear"}, {"start_factor", kOptional}},
        [](Optimizer& o, const Args& a) -> Built {
          std::string mode = a.word("mode");
          double start = a.has("start_factor") ? a.number("start_factor") : (mode == "exponential" ? 0.01 : 0.0);
          return function_lr(o, a, warmup(a.integer("steps"), start, mode));
        },
        [](const Args& a) -> std::optional<int64_t> { return a.integer("steps"); }}},
  };
  return entries;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// Splits on `sep`, except a '+' that is a number's exponent sign (1e+5).
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string current;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool exponent_sign = sep == '+' && i >= 2 && (text[i - 1] == 'e' || text[i - 1] == 'E') &&
                         (std::isdigit(static_cast<unsigned char>(text[i - 2])) || text[i - 2] == '.') &&
                         i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (text[i] == sep && !exponent_sign) {
      parts.push_back(current);
      current.clear();
    } else {
      current += text[i];
    }
  }
  parts.push_back(current);
  return parts;
}

std::string trimmed(const std::string& s) {
  auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

// One parsed term: its table entry and arguments, and its explicit `steps` length if any.
struct Term {
  const Entry* entry;
  Args args;
  std::optional<int64_t> steps;
};

Term parse_term(const std::string& raw, bool may_have_steps) {
  std::string text = trimmed(raw);
  auto colon = text.find(':');
  std::string name = trimmed(text.substr(0, colon));
  if (name.empty()) throw ValueError("schedule spec: empty schedule name in '" + text + "'");
  auto it = table().find(name);
  if (it == table().end())
    throw ValueError("unknown schedule '" + name + "' in '" + text + "' (valid: " + joined(schedule_names()) + ")");
  const Entry& entry = it->second;

  std::map<std::string, std::string> values;
  std::optional<int64_t> steps;
  if (colon != std::string::npos) {
    for (const std::string& pair : split(text.substr(colon + 1), ',')) {
      auto eq = pair.find('=');
      std::string key = trimmed(pair.substr(0, eq));
      if (eq == std::string::npos || key.empty())
        throw ValueError(name + ": expected key=value, got '" + trimmed(pair) + "' in '" + text + "'");
      std::string value = trimmed(pair.substr(eq + 1));
      bool known = std::any_of(entry.keys.begin(), entry.keys.end(), [&](const auto& k) { return k.first == key; });
      if (!known && key == "steps" && may_have_steps) {
        Args length(name, text, {{"steps", value}}, {{"steps", kRequired}});
        steps = length.integer("steps");
        if (*steps <= 0) throw ValueError(name + ": steps must be positive, got " + value);
        continue;
      }
      if (!known) {
        std::vector<std::string> valid;
        for (const auto& k : entry.keys) valid.push_back(k.first);
        if (may_have_steps) valid.push_back("steps");
        throw ValueError(name + ": unknown key '" + key + "' in '" + text + "' (valid: " + joined(valid) + ")");
      }
      if (values.count(key)) throw ValueError(name + ": key '" + key + "' given twice in '" + text + "'");
      values[key] = value;
    }
  }
  return Term{&entry, Args(name, text, std::move(values), entry.keys), steps};
}

SchedulerBuilder builder(const Term& term) {
  return [term](Optimizer& o) { return term.entry->build(o, term.args); };
}

}  // namespace

std::vector<std::string> schedule_names() {
  std::vector<std::string> names;
  for (const auto& [name, entry] : table()) names.push_back(name);
  return names;
}

std::vector<std::pair<std::string, std::string>> schedule_keys(const std::string& name) {
  auto it = table().find(name);
  if (it == table().end())
    throw ValueError("unknown schedule '" + name + "' (valid: " + joined(schedule_names()) + ")");
  return it->second.keys;
}

std::unique_ptr<LRScheduler> make_scheduler(const std::string& spec, Optimizer& optimizer) {
  if (trimmed(spec).empty()) throw ValueError("schedule spec is empty (valid names: " + joined(schedule_names()) + ")");
  std::vector<std::string> part_texts = split(spec, '+');
  std::vector<std::vector<Term>> parts;
  std::vector<int64_t> milestones;
  int64_t elapsed = 0;
  for (std::size_t p = 0; p < part_texts.size(); ++p) {
    bool last = p + 1 == part_texts.size();
    std::vector<Term> terms;
    for (const std::string& t : split(part_texts[p], '*')) terms.push_back(parse_term(t, !last));
    if (!last) {
      std::optional<int64_t> length;
      for (const Term& t : terms)
        if (t.steps) length = t.steps;
      for (const Term& t : terms)
        if (!length) length = t.entry->length(t.args);
      if (!length)
        throw ValueError("schedule spec: '" + trimmed(part_texts[p]) +
                         "' is followed by another part but has no length; add steps=N");
      elapsed += *length;
      milestones.push_back(elapsed);
    }
    parts.push_back(std::move(terms));
  }

  auto build_part = [](const std::vector<Term>& terms) -> SchedulerBuilder {
    if (terms.size() == 1) return builder(terms[0]);
    std::vector<SchedulerBuilder> chained;
    for (const Term& t : terms) chained.push_back(builder(t));
    return [chained](Optimizer& o) { return std::make_unique<ChainedScheduler>(o, chained); };
  };
  if (parts.size() == 1) return build_part(parts[0])(optimizer);
  std::vector<SchedulerBuilder> sequence;
  for (const auto& terms : parts) sequence.push_back(build_part(terms));
  return std::make_unique<SequentialLR>(optimizer, sequence, milestones);
}

}  // namespace descent
