// Schedule specs (spec.hpp): the keys of each schedule's options, the registry of names, and
// the composition of terms with '+' and '*'.
#include "descent/schedule/spec.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <type_traits>

#include "descent/schedule/compose.hpp"
#include "descent/schedule/cosine.hpp"
#include "descent/schedule/cyclic.hpp"
#include "descent/schedule/decay.hpp"
#include "descent/schedule/functions.hpp"
#include "descent/schedule/one_cycle.hpp"
#include "descent/schedule/plateau.hpp"
#include "descent/schedule/swa.hpp"

namespace descent::optim {

namespace {

using spec::kRequired;

// ---- the keys of each schedule: key, member, meaning (the defaults are the member initializers) ----

const spec::Fields<StepLROptions>
    kStep{{"step_size", &StepLROptions::step_size, "decay every step_size steps", {}, kRequired},
          {"gamma", &StepLROptions::gamma, "factor of each decay"}};
const spec::Fields<MultiStepLROptions> kMultiStep{{"milestones",
                                                   &MultiStepLROptions::milestones,
                                                   "steps at which to decay, sorted (a;b;c)",
                                                   {},
                                                   kRequired},
                                                  {"gamma", &MultiStepLROptions::gamma, "factor of each decay"}};
const spec::Fields<ExponentialLROptions> kExponential{
    {"gamma", &ExponentialLROptions::gamma, "factor of each step", {}, kRequired}};
const spec::Fields<ConstantLROptions> kConstant{{"factor", &ConstantLROptions::factor,
                                                 "factor of the lr until total_iters"},
                                                {"total_iters", &ConstantLROptions::total_iters,
                                                 "steps at the reduced lr"}};
const spec::Fields<LinearLROptions> kLinear{{"start_factor", &LinearLROptions::start_factor,
                                             "factor of the lr at step 0"},
                                            {"end_factor", &LinearLROptions::end_factor,
                                             "factor of the lr from total_iters on"},
                                            {"total_iters", &LinearLROptions::total_iters,
                                             "steps from start_factor to end_factor"}};
const spec::Fields<PolynomialLROptions> kPolynomial{{"total_iters", &PolynomialLROptions::total_iters,
                                                     "steps until the lr reaches 0"},
                                                    {"power", &PolynomialLROptions::power, "power of the polynomial"}};
const spec::Fields<CosineAnnealingLROptions>
    kCosine{{"T_max", &CosineAnnealingLROptions::T_max, "steps of the half cosine", {}, kRequired},
            {"eta_min", &CosineAnnealingLROptions::eta_min, "lowest lr"}};
const spec::Fields<CosineAnnealingWarmRestartsOptions>
    kCosineRestarts{{"T_0", &CosineAnnealingWarmRestartsOptions::T_0, "steps of the first period", {}, kRequired},
                    {"T_mult", &CosineAnnealingWarmRestartsOptions::T_mult, "factor of the period at each restart"},
                    {"eta_min", &CosineAnnealingWarmRestartsOptions::eta_min, "lowest lr"}};
const spec::Fields<CyclicLROptions>
    kCyclic{{"base_lr", &CyclicLROptions::base_lr, "lower lr of the cycle, or one per group (default: the group's lr)"},
            {"max_lr", &CyclicLROptions::max_lr, "upper lr of the cycle, or one per group", {}, kRequired},
            {"step_size_up", &CyclicLROptions::step_size_up, "steps from base_lr up to max_lr"},
            {"step_size_down", &CyclicLROptions::step_size_down, "steps back down (0: step_size_up)"},
            {"mode", &CyclicLROptions::mode, "triangular, triangular2 (halve each cycle) or exp_range"},
            {"gamma", &CyclicLROptions::gamma, "exp_range's factor per step"},
            {"cycle_momentum", &CyclicLROptions::cycle_momentum, "cycle the momentum inversely"},
            {"base_momentum", &CyclicLROptions::base_momentum, "lower momentum"},
            {"max_momentum", &CyclicLROptions::max_momentum, "upper momentum"}};
const spec::Fields<OneCycleLROptions>
    kOneCycle{{"max_lr", &OneCycleLROptions::max_lr, "peak lr, or one per group (default: the group's lr)"},
              {"total_steps", &OneCycleLROptions::total_steps, "length of the cycle (or epochs × steps_per_epoch)"},
              {"epochs", &OneCycleLROptions::epochs, "with steps_per_epoch, the length of the cycle"},
              {"steps_per_epoch", &OneCycleLROptions::steps_per_epoch, "with epochs, the length of the cycle"},
              {"pct_start", &OneCycleLROptions::pct_start, "fraction of the cycle spent rising"},
              {"anneal_strategy", &OneCycleLROptions::anneal_strategy, "cos or linear"},
              {"cycle_momentum", &OneCycleLROptions::cycle_momentum, "cycle the momentum (or beta1) inversely"},
              {"base_momentum", &OneCycleLROptions::base_momentum, "lower momentum"},
              {"max_momentum", &OneCycleLROptions::max_momentum, "upper momentum"},
              {"div_factor", &OneCycleLROptions::div_factor, "the start lr is max_lr / div_factor"},
              {"final_div_factor", &OneCycleLROptions::final_div_factor,
               "the end lr is the start lr / final_div_factor"},
              {"three_phase", &OneCycleLROptions::three_phase, "rise, fall back to the start, then anneal"}};
const spec::Fields<ReduceLROnPlateauOptions>
    kPlateau{{"mode", &ReduceLROnPlateauOptions::mode, "min (feed a loss) or max (feed an accuracy)"},
             {"factor", &ReduceLROnPlateauOptions::factor, "factor of each reduction"},
             {"patience", &ReduceLROnPlateauOptions::patience, "steps without improvement tolerated"},
             {"threshold", &ReduceLROnPlateauOptions::threshold, "what counts as an improvement"},
             {"threshold_mode", &ReduceLROnPlateauOptions::threshold_mode, "rel or abs"},
             {"cooldown", &ReduceLROnPlateauOptions::cooldown, "steps of rest after a reduction"},
             {"min_lr", &ReduceLROnPlateauOptions::min_lr, "lowest lr, or one per group"},
             {"eps", &ReduceLROnPlateauOptions::eps, "smallest change applied"}};
const spec::Fields<SWALROptions>
    kSwa{{"swa_lr", &SWALROptions::swa_lr, "the constant lr to anneal to, or one per group", {}, kRequired},
         {"anneal_epochs", &SWALROptions::anneal_epochs, "steps of the annealing"},
         {"anneal_strategy", &SWALROptions::anneal_strategy, "cos or linear"}};
const spec::Fields<AccuracyPlateauOptions>
    kAccuracyPlateau{{"epochs", &AccuracyPlateauOptions::epochs, "epochs without a better dev accuracy", {}, kRequired},
                     {"factor", &AccuracyPlateauOptions::factor, "factor of each decay"},
                     {"min_lr", &AccuracyPlateauOptions::min_lr, "lowest lr"}};
const spec::Fields<RateDecayOptions>
    kRateDecay{{"decay_steps", &RateDecayOptions::decay_steps, "steps per decay period", {}, kRequired},
               {"decay_rate", &RateDecayOptions::decay_rate, "rate of the decay", {}, kRequired},
               {"staircase", &RateDecayOptions::staircase, "decay in whole periods"}};
const spec::Fields<PiecewiseConstantOptions>
    kPiecewiseConstant{{"boundaries", &PiecewiseConstantOptions::boundaries, "increasing steps (a;b)", {}, kRequired},
                       {"values",
                        &PiecewiseConstantOptions::values,
                        "the lrs, one more than boundaries (a;b;c)",
                        {},
                        kRequired}};
const spec::Fields<PolynomialDecayOptions>
    kPolynomialDecay{{"decay_steps", &PolynomialDecayOptions::decay_steps, "steps to reach end_lr", {}, kRequired},
                     {"end_lr", &PolynomialDecayOptions::end_lr, "the lr at the end"},
                     {"power", &PolynomialDecayOptions::power, "power of the polynomial"},
                     {"cycle", &PolynomialDecayOptions::cycle, "start over, longer, after decay_steps"}};
const spec::Fields<CosineDecayOptions>
    kCosineDecay{{"decay_steps", &CosineDecayOptions::decay_steps, "steps of the decay", {}, kRequired},
                 {"alpha", &CosineDecayOptions::alpha, "the floor, as a fraction of the base lr"},
                 {"warmup_steps", &CosineDecayOptions::warmup_steps, "steps of a linear warmup first"},
                 {"warmup_target", &CosineDecayOptions::warmup_target, "the lr the warmup reaches"}};
const spec::Fields<CosineDecayRestartsOptions> kCosineDecayRestarts{{"first_decay_steps",
                                                                     &CosineDecayRestartsOptions::first_decay_steps,
                                                                     "steps of the first period",
                                                                     {},
                                                                     kRequired},
                                                                    {"t_mul", &CosineDecayRestartsOptions::t_mul,
                                                                     "factor of the period at each restart"},
                                                                    {"m_mul", &CosineDecayRestartsOptions::m_mul,
                                                                     "factor of the peak at each restart"},
                                                                    {"alpha", &CosineDecayRestartsOptions::alpha,
                                                                     "the floor, as a fraction of the base lr"}};
const spec::Fields<InverseSqrtOptions>
    kInverseSqrt{{"warmup_steps", &InverseSqrtOptions::warmup_steps, "steps of the linear warmup", {}, kRequired},
                 {"start_factor", &InverseSqrtOptions::start_factor, "factor of the lr at step 0"}};
const spec::Fields<NaturalExpOptions> kNaturalExp{
    {"k", &NaturalExpOptions::k, "rate: lr = base · e^(−k·t)", {}, kRequired}};
const spec::Fields<HalvingOptions> kHalving{{"every", &HalvingOptions::every, "steps between halvings", {}, kRequired}};
const spec::Fields<WarmupOptions> kWarmup{{"steps", &WarmupOptions::steps, "steps of the warmup", {}, kRequired},
                                          {"mode", &WarmupOptions::mode, "linear or exponential"},
                                          {"start_factor", &WarmupOptions::start_factor,
                                           "factor at step 0 (default: 0 linear, 0.01 exponential)"}};

// ---- the natural lengths of the schedules that have one (for '+') ----

using Length = std::optional<int64_t>;

Length one_cycle_length(const OneCycleLROptions& o) {
  if (o.total_steps > 0) return o.total_steps;
  if (o.epochs > 0 && o.steps_per_epoch > 0) return o.epochs * o.steps_per_epoch;
  return std::nullopt;
}
Length cosine_decay_length(const CosineDecayOptions& o) { return o.warmup_steps + o.decay_steps; }
Length polynomial_decay_length(const PolynomialDecayOptions& o) {
  return o.cycle ? std::nullopt : Length(o.decay_steps);
}

// ---- the registry ----

using Built = std::unique_ptr<LRScheduler>;

struct Schedule {
  ScheduleHelp help;
  std::function<Built(const spec::Spec&, Optimizer&, const std::vector<double>& base_lrs)> build;
  std::function<Length(const spec::Spec&)> length;  // the steps it lasts by itself, if it has a length
};

template <class ScheduleOptions>
using Make =
    std::type_identity_t<std::function<Built(Optimizer&, ScheduleOptions, const std::vector<double>& base_lrs)>>;
template <class ScheduleOptions>
using LengthOf = std::type_identity_t<std::function<Length(const ScheduleOptions&)>>;

template <class ScheduleOptions>
Schedule entry(std::string name, std::string summary, const spec::Fields<ScheduleOptions>& fields,
               Make<ScheduleOptions> make, LengthOf<ScheduleOptions> length) {
  return {{std::move(name), std::move(summary), fields.help()},
          [fields, make](const spec::Spec& spec, Optimizer& optimizer, const std::vector<double>& base_lrs) {
            return make(optimizer, fields.read(spec), base_lrs);
          },
          [fields, length](const spec::Spec& spec) { return length ? length(fields.read(spec)) : std::nullopt; }};
}

// A scheduler class built from its options.
template <class Scheduler, class ScheduleOptions>
Schedule scheduler(std::string name, std::string summary, const spec::Fields<ScheduleOptions>& fields,
                   LengthOf<ScheduleOptions> length = {}) {
  Make<ScheduleOptions> make = [](Optimizer& optimizer, ScheduleOptions options, const std::vector<double>& base_lrs) {
    return std::make_unique<Scheduler>(optimizer, std::move(options), base_lrs);
  };
  return entry(std::move(name), std::move(summary), fields, make, std::move(length));
}

// A pure function of the step (functions.hpp), driven by FunctionLR.
template <class ScheduleOptions>
Schedule pure(std::string name, std::string summary, const spec::Fields<ScheduleOptions>& fields,
              LrFunction (*lr_function)(const ScheduleOptions&), LengthOf<ScheduleOptions> length = {}) {
  Make<ScheduleOptions> make = [name, lr_function](Optimizer& optimizer, ScheduleOptions options,
                                                   const std::vector<double>& base_lrs) {
    return std::make_unique<FunctionLR>(optimizer, name, lr_function(options), base_lrs);
  };
  return entry(std::move(name), std::move(summary), fields, make, std::move(length));
}

Built accuracy_plateau(Optimizer& optimizer, AccuracyPlateauOptions options, const std::vector<double>& base_lrs) {
  return plateau_on_dev_accuracy(optimizer, options, base_lrs);
}

// Every schedule, sorted by name: name, summary, keys, and the natural length where there is one.
const std::vector<Schedule>& registry() {
  static const std::vector<Schedule> schedules = {
      entry("accuracy_plateau", "reduce the lr when dev accuracy stalls for N epochs", kAccuracyPlateau,
            accuracy_plateau, {}),
      scheduler<ConstantLR>("constant", "ConstantLR: a reduced lr, then the base lr", kConstant,
                            &ConstantLROptions::total_iters),
      scheduler<CosineAnnealingLR>("cosine", "CosineAnnealingLR", kCosine, &CosineAnnealingLROptions::T_max),
      pure("cosine_decay", "Keras CosineDecay, with an optional warmup", kCosineDecay, cosine_decay,
           cosine_decay_length),
      pure("cosine_decay_restarts", "Keras CosineDecayRestarts", kCosineDecayRestarts, cosine_decay_restarts),
      scheduler<CosineAnnealingWarmRestarts>("cosine_restarts", "CosineAnnealingWarmRestarts (SGDR)", kCosineRestarts),
      scheduler<CyclicLR>("cyclic", "CyclicLR: triangles between base_lr and max_lr", kCyclic),
      scheduler<ExponentialLR>("exponential", "ExponentialLR: lr × gamma each step", kExponential),
      pure("exponential_decay", "Keras ExponentialDecay", kRateDecay, exponential_decay),
      pure("halving", "halve the lr every N steps", kHalving, halving),
      pure("inverse_sqrt", "linear warmup, then lr ∝ 1/√t", kInverseSqrt, inverse_sqrt_decay),
      pure("inverse_time_decay", "Keras InverseTimeDecay", kRateDecay, inverse_time_decay),
      scheduler<LinearLR>("linear", "LinearLR: a linear warmup or decay", kLinear, &LinearLROptions::total_iters),
      scheduler<MultiStepLR>("multistep", "MultiStepLR: lr × gamma at each milestone", kMultiStep),
      pure("natural_exp", "lr = base · e^(−k·t)", kNaturalExp, natural_exp_decay),
      scheduler<OneCycleLR>("onecycle", "OneCycleLR (super-convergence)", kOneCycle, one_cycle_length),
      pure("piecewise_constant", "Keras PiecewiseConstantDecay", kPiecewiseConstant, piecewise_constant_decay),
      scheduler<ReduceLROnPlateau>("plateau", "ReduceLROnPlateau", kPlateau),
      scheduler<PolynomialLR>("polynomial", "PolynomialLR: decay to 0", kPolynomial, &PolynomialLROptions::total_iters),
      pure("polynomial_decay", "Keras PolynomialDecay", kPolynomialDecay, polynomial_decay, polynomial_decay_length),
      scheduler<StepLR>("step", "StepLR: lr × gamma every step_size steps", kStep),
      scheduler<SWALR>("swa", "SWALR: anneal to a constant lr for weight averaging", kSwa,
                       &SWALROptions::anneal_epochs),
      pure("warmup", "a warmup to the base lr, in front of any schedule", kWarmup, warmup, &WarmupOptions::steps),
  };
  return schedules;
}

const Schedule& find_schedule(const spec::Spec& term) {
  for (const Schedule& schedule : registry())
    if (schedule.help.name == term.name) return schedule;
  spec::fail(term, "unknown schedule '" + term.name + "' (valid: " + spec::joined(schedule_names()) + ")");
}

bool has_key(const Schedule& schedule, const std::string& key) {
  return std::any_of(schedule.help.keys.begin(), schedule.help.keys.end(),
                     [&](const spec::KeyHelp& help) { return help.key == key; });
}

// Splits on `separator`, except a '+' that is a number's exponent sign (1e+5).
std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool exponent_sign = separator == '+' && i >= 2 && (text[i - 1] == 'e' || text[i - 1] == 'E') &&
                         (std::isdigit(static_cast<unsigned char>(text[i - 2])) || text[i - 2] == '.') &&
                         i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (text[i] == separator && !exponent_sign)
      parts.emplace_back();
    else
      parts.back() += text[i];
  }
  return parts;
}

std::string trimmed(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t"), end = text.find_last_not_of(" \t");
  return begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
}

// One term of a part: its schedule and spec, without the `steps=N` that sets the part's length.
struct Term {
  const Schedule* schedule;
  spec::Spec spec;
  std::optional<int64_t> steps;
};

Term parse_term(const std::string& text, bool before_last, const std::string& spec_text) {
  if (trimmed(text).empty() && !trimmed(spec_text).empty())
    throw ValueError("schedule spec '" + trimmed(spec_text) + "': a '+' or '*' has no schedule on one side");
  spec::Spec term = spec::parse(text, "schedule");
  const Schedule& schedule = find_schedule(term);
  if (!term.inner.empty()) spec::fail(term, term.name + " takes no inner schedule in parentheses");
  std::optional<int64_t> steps;
  auto steps_arg =
      std::find_if(term.args.begin(), term.args.end(), [](const spec::Arg& arg) { return arg.key == "steps"; });
  if (before_last && steps_arg != term.args.end() && !has_key(schedule, "steps")) {
    steps = spec::to_integer(term, *steps_arg);
    if (*steps <= 0) spec::fail(term, "steps must be positive, got " + steps_arg->value);
    term.args.erase(steps_arg);
  }
  return {&schedule, std::move(term), steps};
}

// The terms of one part stepped together: one schedule, or a ChainedScheduler of several.
SchedulerBuilder part_builder(const std::vector<Term>& terms) {
  std::vector<SchedulerBuilder> builders;
  for (const Term& term : terms)
    builders.push_back([term](Optimizer& optimizer, const std::vector<double>& base_lrs) {
      return term.schedule->build(term.spec, optimizer, base_lrs);
    });
  if (builders.size() == 1) return builders[0];
  return [builders](Optimizer& optimizer, const std::vector<double>& base_lrs) -> Built {
    return std::make_unique<ChainedScheduler>(optimizer, builders, base_lrs);
  };
}

// A part's length: a `steps=N` on any of its terms, or else its first natural length.
int64_t part_length(const std::vector<Term>& terms, const std::string& spec_text, const std::string& part_text) {
  for (const Term& term : terms)
    if (term.steps) return *term.steps;
  for (const Term& term : terms)
    if (Length length = term.schedule->length(term.spec)) return *length;
  throw ValueError("schedule spec '" + spec_text + "': '" + part_text +
                   "' is followed by another part but has no length; add steps=N");
}

}  // namespace

std::vector<ScheduleHelp> schedule_help() {
  std::vector<ScheduleHelp> help;
  for (const Schedule& schedule : registry()) help.push_back(schedule.help);
  return help;
}

std::vector<std::string> schedule_names() {
  std::vector<std::string> names;
  for (const Schedule& schedule : registry()) names.push_back(schedule.help.name);
  return names;
}

std::unique_ptr<LRScheduler> make_scheduler(const std::string& spec_text, Optimizer& optimizer) {
  std::vector<std::string> part_texts = split(spec_text, '+');
  std::vector<SchedulerBuilder> parts;
  std::vector<int64_t> milestones;
  int64_t elapsed = 0;
  for (std::size_t p = 0; p < part_texts.size(); ++p) {
    bool last = p + 1 == part_texts.size();
    std::vector<Term> terms;
    for (const std::string& term_text : split(part_texts[p], '*'))
      terms.push_back(parse_term(term_text, !last, spec_text));
    if (!last) milestones.push_back(elapsed += part_length(terms, trimmed(spec_text), trimmed(part_texts[p])));
    parts.push_back(part_builder(terms));
  }
  if (parts.size() == 1) return parts[0](optimizer, {});
  return std::make_unique<SequentialLR>(optimizer, parts, milestones);
}

}  // namespace descent::optim
