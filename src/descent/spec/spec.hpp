// The one grammar for everything a user writes as a spec: optimizers, schedules, models,
// initializers and spec-taking flags.
//
//   spec := name [ '(' spec { ',' spec } ')' ] [ ':' arg { ',' arg } ]
//   arg  := key '=' value | value
//
// e.g. "adam:lr=1e-3,betas=0.9/0.999", "mlp:256-128", "crop:4,flip",
// "lookahead(lookahead(sgd:lr=1e-3):k=5):k=3". A name, key or value is a word: any run of
// characters other than whitespace and ( ) : , = (so "0.9/0.999", "30;60;90" and "1e+5" are
// single values). Whitespace around tokens is ignored. Inside parentheses, a ',' followed by
// `word(` or `word:` starts the next inner spec; any other ',' separates args.
//
// Values are converted by one rule everywhere (to_number, to_integer, to_bool, ...), and a
// Fields<S> table binds keys to the members of an options struct, whose member initializers
// are the only place the defaults are written.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace descent::spec {

struct Arg {
  std::string key;  // empty for a positional value
  std::string value;
};

struct Spec {
  std::string name;
  std::vector<Spec> inner;  // what stood in parentheses (usually 0 or 1 spec)
  std::vector<Arg> args;    // after ':' in order; duplicate keys are refused by parse()
  std::string text;         // the spec as written, for messages
  std::string what;         // "optimizer", "schedule", ...: what kind of spec, for messages
};

// Parses `text`; `what` names the kind of spec in error messages. Throws ValueError with a
// one-line message naming the spec and what was expected where it went wrong.
Spec parse(std::string_view text, std::string_view what);

// The arg with `key`, or nullptr.
const Arg* find(const Spec& spec, std::string_view key);

// Throws ValueError("<what> spec '<text>': <message>").
[[noreturn]] void fail(const Spec& spec, std::string_view message);

// Whether a number may be inf or nan: refused unless a caller says otherwise.
enum class NonFinite : bool { refuse, allow };

// One rule for values, everywhere; each throws ValueError naming the spec, the key, the value
// and what was expected.
// A number: the whole value read by strtod; inf and nan refused unless `nonfinite` allows them.
double to_number(const Spec& spec, const Arg& arg, NonFinite nonfinite = NonFinite::refuse);
int64_t to_integer(const Spec& spec, const Arg& arg);                 // a number with no fraction
int to_int(const Spec& spec, const Arg& arg);                         // the same, within int's range
bool to_bool(const Spec& spec, const Arg& arg);                       // true/false/1/0 only
std::pair<double, double> to_pair(const Spec& spec, const Arg& arg);  // "a/b" (betas=0.9/0.999)
std::vector<double> to_numbers(const Spec& spec, const Arg& arg);     // "a;b;c" (one or more)
std::vector<int64_t> to_integers(const Spec& spec, const Arg& arg);   // "30;60;90"

// "unknown key 'betass' for adam (valid: lr, betas, ...)"; a positional value is reported as
// not being key=value.
[[noreturn]] void unknown_key(const Spec& spec, const Arg& arg, const std::vector<std::string>& valid);

// "a, b, c".
std::string joined(const std::vector<std::string>& items);

// Where a number must lie: from low to high, each end closed unless marked open.
struct Range {
  double low = -std::numeric_limits<double>::infinity();
  double high = std::numeric_limits<double>::infinity();
  bool low_open = false;
  bool high_open = false;

  bool contains(double value) const;
  std::string text() const;  // "[0, 1)", "(0, inf)"
};

inline constexpr bool kRequired = true;  // a Field that must be given

// The value types a Field binds to.
template <class T>
concept FieldValue = std::is_same_v<T, double> || std::is_same_v<T, int64_t> || std::is_same_v<T, int> ||
    std::is_same_v<T, bool> || std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<double>> ||
    std::is_same_v<T, std::vector<int64_t>> || std::is_same_v<T, std::pair<double, double>>;

namespace detail {

template <class T>
T convert(const Spec& spec, const Arg& arg) {
  if constexpr (std::is_same_v<T, double>) return to_number(spec, arg);
  if constexpr (std::is_same_v<T, int64_t>) return to_integer(spec, arg);
  if constexpr (std::is_same_v<T, int>) return to_int(spec, arg);
  if constexpr (std::is_same_v<T, bool>) return to_bool(spec, arg);
  if constexpr (std::is_same_v<T, std::string>) return arg.value;
  if constexpr (std::is_same_v<T, std::vector<double>>) return to_numbers(spec, arg);
  if constexpr (std::is_same_v<T, std::vector<int64_t>>) return to_integers(spec, arg);
  if constexpr (std::is_same_v<T, std::pair<double, double>>) return to_pair(spec, arg);
}

// The numbers a value holds, for the range check.
std::vector<double> numbers_in(double value);
std::vector<double> numbers_in(int64_t value);
inline std::vector<double> numbers_in(int value) { return {static_cast<double>(value)}; }
std::vector<double> numbers_in(const std::vector<double>& values);
std::vector<double> numbers_in(const std::vector<int64_t>& values);
std::vector<double> numbers_in(const std::pair<double, double>& values);
inline std::vector<double> numbers_in(bool) { return {}; }
inline std::vector<double> numbers_in(const std::string&) { return {}; }

// A value as a spec writes it: 0.1, 5, true, 30;60;90, 0.9/0.999.
std::string show(double value);
std::string show(int64_t value);
inline std::string show(int value) { return std::to_string(value); }
std::string show(bool value);
std::string show(const std::string& value);
std::string show(const std::vector<double>& values);
std::string show(const std::vector<int64_t>& values);
std::string show(const std::pair<double, double>& values);

void check_range(const Spec& spec, const Arg& arg, const std::vector<double>& numbers, const Range& range);

}  // namespace detail

// One key of an options struct S: the member it fills, what it means, the range its numbers
// must lie in, and whether it must be given.
template <class S>
struct Field {
  template <FieldValue T>
  Field(std::string key, T S::*member, std::string help, Range range = {}, bool required = false)
      : key(std::move(key)), help(std::move(help)), range(range), required(required) {
    read = [member, range](S& options, const Spec& spec, const Arg& arg) {
      T value = detail::convert<T>(spec, arg);
      detail::check_range(spec, arg, detail::numbers_in(value), range);
      options.*member = std::move(value);
    };
    show = [member](const S& options) { return detail::show(options.*member); };
  }
  template <FieldValue T>
  Field(std::string key, std::optional<T> S::*member, std::string help, Range range = {}, bool required = false)
      : key(std::move(key)), help(std::move(help)), range(range), required(required) {
    read = [member, range](S& options, const Spec& spec, const Arg& arg) {
      T value = detail::convert<T>(spec, arg);
      detail::check_range(spec, arg, detail::numbers_in(value), range);
      options.*member = std::move(value);
    };
    show = [member](const S& options) { return options.*member ? detail::show(*(options.*member)) : ""; };
  }

  std::string key;
  std::string help;
  Range range;
  bool required;
  std::function<void(S&, const Spec&, const Arg&)> read;  // converts and checks the arg, sets the member
  std::function<std::string(const S&)> show;              // the member's value as a spec writes it
};

// A key's documentation: its default ("" when unset), whether it must be given, its range.
struct KeyHelp {
  std::string key;
  std::string default_value;
  std::string help;
  std::string range;  // "" when any value goes
  bool required;
};

// The table of an options struct's keys, e.g.
//   const spec::Fields<StepLROptions> fields{
//       {"step_size", &StepLROptions::step_size, "decay every step_size steps", {.low = 1}, spec::kRequired},
//       {"gamma", &StepLROptions::gamma, "multiplicative factor of the decay"}};
//   StepLROptions options = fields.read(spec);
template <class S>
class Fields {
 public:
  Fields(std::initializer_list<Field<S>> fields) : fields_(fields) {}

  // `start` (by default S's member initializers) with every arg of `spec` read into it. An
  // unknown key or a positional value is refused listing the valid keys, a missing required
  // key is refused naming it.
  S read(const Spec& spec, S start = {}) const {
    for (const Arg& arg : spec.args)
      if (arg.key.empty() || !find(arg.key)) unknown_key(spec, arg, keys());
    for (const Arg& arg : spec.args) find(arg.key)->read(start, spec, arg);
    for (const Field<S>& field : fields_)
      if (field.required && !spec::find(spec, field.key))
        fail(spec, "missing key '" + field.key + "' (" + field.help + ")");
    return start;
  }

  const Field<S>* find(std::string_view key) const {
    for (const Field<S>& field : fields_)
      if (field.key == key) return &field;
    return nullptr;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> names;
    for (const Field<S>& field : fields_) names.push_back(field.key);
    return names;
  }

  // Every key with its default as `defaults` holds it, in table order.
  std::vector<KeyHelp> help(const S& defaults = {}) const {
    std::vector<KeyHelp> out;
    for (const Field<S>& field : fields_) {
      bool bounded = field.range.low != Range{}.low || field.range.high != Range{}.high;
      out.push_back({field.key, field.show(defaults), field.help, bounded ? field.range.text() : "", field.required});
    }
    return out;
  }

 private:
  std::vector<Field<S>> fields_;
};

}  // namespace descent::spec
