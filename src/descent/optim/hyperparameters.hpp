// An optimizer described once: its name, its weight-decay mode, and the table of its options
// struct's members: PyTorch's name, the member (whose initializer is the default), the valid
// range and a description. The group option maps, range validation, the spec parser and
// `descent optimizers` all read this one table.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "descent/optim/optimizer.hpp"

namespace descent::optim {

// The values a number may take: finite, above lo (or at it) and below hi (or at it).
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false, hi_open = false;

  bool contains(double value) const;
  std::string describe(const std::string& key) const;  // "0 <= beta1 < 1"
};
inline Range at_least(double lo) { return {.lo = lo}; }
inline Range above(double lo) { return {.lo = lo, .lo_open = true}; }
inline Range in(double lo, double hi) { return {.lo = lo, .hi = hi, .hi_open = true}; }  // lo <= x < hi
inline Range closed(double lo, double hi) { return {.lo = lo, .hi = hi}; }               // lo <= x <= hi
inline Range any_finite() { return {}; }

enum class Kind { number, integer, flag, choice };

// How the gradient an update rule sees is formed from the parameter's: g ← −g under
// maximize, then
//  - none:      the optimizer handles weight decay itself, or has none;
//  - l2:        g ← g + λθ, the L2 penalty folded into the gradient (torch.optim's weight_decay);
//  - decoupled: θ ← θ(1 − lr·λ) before the update (Loshchilov & Hutter 2019, AdamW).
enum class WeightDecay { none, l2, decoupled };

// One row of the table, as the group option maps hold it (a double; flags are 0 or 1, a
// choice is the index of its name).
struct Hyperparameter {
  std::string name;  // PyTorch's, as specs and group options spell it
  double value;      // the default
  std::string help;
  Kind kind = Kind::number;
  Range range = {};
  std::string tuple = {};                 // "betas" for beta1 and beta2: a spec's betas=a/b
  std::vector<std::string> choices = {};  // a choice's names, by value

  std::string show(double value) const;  // as `descent optimizers` prints it
};

// Throws ValueError naming the optimizer, the key, its value and its range unless every
// row's key is in `options` with a valid value.
void check_ranges(const std::string& optimizer, const std::vector<Hyperparameter>& rows, const Options& options);
// The defaults, overridden by `options`; a key not among the rows is refused with the list
// of valid ones.
Options with_defaults(const std::string& optimizer, const std::vector<Hyperparameter>& rows, const Options& options);
// "lr, momentum, ..." for messages.
std::string names_of(const std::vector<Hyperparameter>& rows);

// A row bound to a member of the options struct O.
template <class O>
struct Field {
  Hyperparameter row;  // its value is filled from O{} by Table
  std::function<double(const O&)> get;
  std::function<void(O&, double)> set;
};

template <class O>
Field<O> number(std::string name, double O::*member, Range range, std::string help) {
  return {{.name = std::move(name), .value = 0.0, .help = std::move(help), .range = range},
          [member](const O& o) { return o.*member; },
          [member](O& o, double v) { o.*member = v; }};
}
template <class O>
Field<O> integer(std::string name, int64_t O::*member, Range range, std::string help) {
  return {{.name = std::move(name), .value = 0.0, .help = std::move(help), .kind = Kind::integer, .range = range},
          [member](const O& o) { return static_cast<double>(o.*member); },
          [member](O& o, double v) { o.*member = static_cast<int64_t>(v); }};
}
template <class O>
Field<O> flag(std::string name, bool O::*member, std::string help) {
  return {{.name = std::move(name), .value = 0.0, .help = std::move(help), .kind = Kind::flag, .range = closed(0, 1)},
          [member](const O& o) { return o.*member ? 1.0 : 0.0; },
          [member](O& o, double v) { o.*member = v != 0.0; }};
}
// One half of a PyTorch tuple (betas, etas, step_sizes): `index` 0 or 1 of the pair `tuple`.
template <class O>
Field<O> element(std::string name, std::pair<double, double> O::*member, int index, std::string tuple, Range range,
                 std::string help) {
  return {{.name = std::move(name), .value = 0.0, .help = std::move(help), .range = range, .tuple = std::move(tuple)},
          [member, index](const O& o) { return index == 0 ? (o.*member).first : (o.*member).second; },
          [member, index](O& o, double v) { (index == 0 ? (o.*member).first : (o.*member).second) = v; }};
}
// A string from a fixed list, held in the group options as its index.
template <class O>
Field<O> choice(std::string name, std::string O::*member, std::vector<std::string> choices, std::string help) {
  const Range range = closed(0, static_cast<double>(choices.size()) - 1);
  return {{.name = std::move(name),
           .value = 0.0,
           .help = std::move(help),
           .kind = Kind::choice,
           .range = range,
           .choices = choices},
          [member, choices](const O& o) -> double {
            for (std::size_t i = 0; i < choices.size(); ++i)
              if (choices[i] == o.*member) return static_cast<double>(i);
            return -1.0;  // refused by the range check
          },
          [member, choices](O& o, double v) { o.*member = choices.at(static_cast<std::size_t>(v)); }};
}

// The rows most optimizers share, under PyTorch's names and with its ranges; `help` says what
// each means in that optimizer.
template <class O>
Field<O> lr_row(std::string help) {
  return number("lr", &O::lr, at_least(0), std::move(help));
}
// beta1 (index 0) or beta2 (index 1) of the pair `betas`, each in [0, 1).
template <class O>
Field<O> beta_row(int index, std::string help) {
  return element(index == 0 ? "beta1" : "beta2", &O::betas, index, "betas", in(0, 1), std::move(help));
}
template <class O>
Field<O> eps_row(std::string help) {
  return number("eps", &O::eps, at_least(0), std::move(help));
}
template <class O>
Field<O> weight_decay_row(std::string help) {
  return number("weight_decay", &O::weight_decay, at_least(0), std::move(help));
}

// The optimizer whose options struct is O: its name (as in specs), its weight-decay mode, and
// its rows in the order `descent optimizers` lists them. An options struct with a `maximize`
// member gets its row last, written here once for every optimizer.
template <class O>
class Table {
 public:
  Table(std::string name, WeightDecay decay, std::vector<Field<O>> fields)
      : name_(std::move(name)), decay_(decay), fields_(std::move(fields)) {
    if constexpr (requires { &O::maximize; })
      fields_.push_back(flag("maximize", &O::maximize, "maximize the objective"));
    const O defaults{};
    for (Field<O>& field : fields_) field.row.value = field.get(defaults);
  }

  const std::string& name() const { return name_; }
  WeightDecay decay() const { return decay_; }
  std::vector<Hyperparameter> rows() const {
    std::vector<Hyperparameter> out;
    for (const Field<O>& field : fields_) out.push_back(field.row);
    return out;
  }
  Options to_map(const O& options) const {
    Options out;
    for (const Field<O>& field : fields_) out[field.row.name] = field.get(options);
    return out;
  }
  // The typed view of a complete, validated option map.
  O from_map(const Options& options) const {
    O out{};
    for (const Field<O>& field : fields_) field.set(out, options.at(field.row.name));
    return out;
  }

 private:
  std::string name_;
  WeightDecay decay_;
  std::vector<Field<O>> fields_;
};

// The table of the optimizer with options O, defined in that optimizer's source file.
template <class O>
Table<O> table_of();

}  // namespace descent::optim
