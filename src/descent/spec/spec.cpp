// The spec grammar (spec.hpp): a tokenizer, a recursive-descent parser, and the one rule for
// converting values.
#include "descent/spec/spec.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>

#include "descent/core/error.hpp"

namespace descent::spec {

namespace {

struct Token {
  enum Kind { kWord, kOpen, kClose, kColon, kComma, kEquals, kEnd } kind;
  std::string text;
  std::size_t offset;  // where it starts in the spec text
};

bool is_punctuation(char c) { return c == '(' || c == ')' || c == ':' || c == ',' || c == '='; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_space(text[i])) {
      ++i;
    } else if (is_punctuation(text[i])) {
      static constexpr std::string_view kPunctuation = "():,=";
      auto kind = static_cast<Token::Kind>(Token::kOpen + kPunctuation.find(text[i]));
      tokens.push_back({kind, std::string(1, text[i]), i});
      ++i;
    } else {
      std::size_t start = i;
      while (i < text.size() && !is_space(text[i]) && !is_punctuation(text[i])) ++i;
      tokens.push_back({Token::kWord, std::string(text.substr(start, i - start)), start});
    }
  }
  tokens.push_back({Token::kEnd, "", text.size()});
  return tokens;
}

class Parser {
 public:
  Parser(std::string_view text, std::string_view what) : text_(text), what_(what), tokens_(tokenize(text)) {}

  Spec parse_all() {
    if (tokens_.front().kind == Token::kEnd) throw ValueError(std::string(what_) + " spec is empty");
    Spec spec = parse_spec(false);
    if (peek().kind != Token::kEnd) error("unexpected '" + peek().text + "'");
    return spec;
  }

 private:
  // spec := name [ '(' spec { ',' spec } ')' ] [ ':' arg { ',' arg } ]
  Spec parse_spec(bool nested) {
    Spec spec;
    std::size_t start = peek().offset;
    spec.what = what_;
    spec.name = expect_word("a name");
    if (accept(Token::kOpen)) {
      do {
        spec.inner.push_back(parse_spec(true));
      } while (accept(Token::kComma));
      if (!accept(Token::kClose)) error("expected ')' or ',' after '" + spec.inner.back().text + "'");
    }
    if (accept(Token::kColon)) {
      do {
        spec.args.push_back(parse_arg(spec));
      } while (!(nested && starts_inner_spec()) && accept(Token::kComma));
    }
    std::size_t end = tokens_[position_ - 1].offset + tokens_[position_ - 1].text.size();
    spec.text = std::string(text_.substr(start, end - start));
    return spec;
  }

  // arg := key '=' value | value
  Arg parse_arg(const Spec& spec) {
    std::string word = expect_word("an argument");
    if (!accept(Token::kEquals)) return {"", word};
    Arg arg{word, expect_word("a value after '" + word + "='")};
    if (find(spec, arg.key)) error("key '" + arg.key + "' is given twice");
    return arg;
  }

  // A ',' followed by `word(` or `word:` inside parentheses starts the next inner spec.
  bool starts_inner_spec() const {
    return tokens_[position_].kind == Token::kComma && tokens_[position_ + 1].kind == Token::kWord &&
           (tokens_[position_ + 2].kind == Token::kOpen || tokens_[position_ + 2].kind == Token::kColon);
  }

  const Token& peek() const { return tokens_[position_]; }

  bool accept(Token::Kind kind) {
    if (peek().kind != kind) return false;
    ++position_;
    return true;
  }

  std::string expect_word(const std::string& expected) {
    if (peek().kind != Token::kWord)
      error("expected " + expected + (peek().kind == Token::kEnd ? " at the end" : ", found '" + peek().text + "'"));
    return tokens_[position_++].text;
  }

  [[noreturn]] void error(const std::string& message) const {
    throw ValueError(std::string(what_) + " spec '" + std::string(text_) + "': " + message + " (at character " +
                     std::to_string(peek().offset + 1) + ")");
  }

  std::string_view text_, what_;
  std::vector<Token> tokens_;
  std::size_t position_ = 0;
};

std::string quoted(const Arg& arg) {
  return arg.key.empty() ? "'" + arg.value + "'" : arg.key + "='" + arg.value + "'";
}

// One number of a value (the whole value, or one piece of a list or pair).
double number_in(const Spec& spec, const Arg& arg, const std::string& piece, NonFinite nonfinite) {
  const std::string where = piece == arg.value ? quoted(arg) : quoted(arg) + " holds '" + piece + "', which";
  char* end = nullptr;
  double value = std::strtod(piece.c_str(), &end);  // 1e999 reads as inf, refused below
  if (piece.empty() || end != piece.c_str() + piece.size()) fail(spec, where + " is not a number");
  if (nonfinite == NonFinite::refuse && !std::isfinite(value)) fail(spec, where + " is not a finite number");
  return value;
}

int64_t integer_in(const Spec& spec, const Arg& arg, double value) {
  constexpr double kLargestExact = 9007199254740992.0;  // 2^53: every integer up to it is a double
  if (value != std::floor(value) || std::abs(value) > kLargestExact)
    fail(spec, quoted(arg) + " is not an integer" + (arg.value.find(';') == std::string::npos ? "" : " list (a;b;c)"));
  return static_cast<int64_t>(value);
}

std::vector<std::string> split(const std::string& value, char separator) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  while (true) {
    std::size_t end = value.find(separator, start);
    pieces.push_back(value.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return pieces;
    start = end + 1;
  }
}

}  // namespace

Spec parse(std::string_view text, std::string_view what) { return Parser(text, what).parse_all(); }

const Arg* find(const Spec& spec, std::string_view key) {
  for (const Arg& arg : spec.args)
    if (!arg.key.empty() && arg.key == key) return &arg;
  return nullptr;
}

void fail(const Spec& spec, std::string_view message) {
  throw ValueError(spec.what + " spec '" + spec.text + "': " + std::string(message));
}

double to_number(const Spec& spec, const Arg& arg, NonFinite nonfinite) {
  return number_in(spec, arg, arg.value, nonfinite);
}

int64_t to_integer(const Spec& spec, const Arg& arg) {
  return integer_in(spec, arg, number_in(spec, arg, arg.value, NonFinite::refuse));
}

int to_int(const Spec& spec, const Arg& arg) {
  int64_t value = to_integer(spec, arg);
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max())
    fail(spec, quoted(arg) + " is out of the range of an int");
  return static_cast<int>(value);
}

bool to_bool(const Spec& spec, const Arg& arg) {
  if (arg.value == "true" || arg.value == "1") return true;
  if (arg.value == "false" || arg.value == "0") return false;
  fail(spec, quoted(arg) + " is not a boolean (true, false, 1 or 0)");
}

std::pair<double, double> to_pair(const Spec& spec, const Arg& arg) {
  std::vector<std::string> pieces = split(arg.value, '/');
  if (pieces.size() != 2) fail(spec, quoted(arg) + " is not a pair of numbers a/b");
  return {number_in(spec, arg, pieces[0], NonFinite::refuse), number_in(spec, arg, pieces[1], NonFinite::refuse)};
}

std::vector<double> to_numbers(const Spec& spec, const Arg& arg) {
  std::vector<double> numbers;
  for (const std::string& piece : split(arg.value, ';'))
    numbers.push_back(number_in(spec, arg, piece, NonFinite::refuse));
  return numbers;
}

std::vector<int64_t> to_integers(const Spec& spec, const Arg& arg) {
  std::vector<int64_t> integers;
  for (double number : to_numbers(spec, arg)) integers.push_back(integer_in(spec, arg, number));
  return integers;
}

void unknown_key(const Spec& spec, const Arg& arg, const std::vector<std::string>& valid) {
  if (arg.key.empty()) fail(spec, "'" + arg.value + "' is not key=value (valid keys: " + joined(valid) + ")");
  fail(spec, "unknown key '" + arg.key + "' for " + spec.name + " (valid: " + joined(valid) + ")");
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool Range::contains(double value) const {
  bool above_low = low_open ? value > low : value >= low;
  bool below_high = high_open ? value < high : value <= high;
  return above_low && below_high;
}

std::string Range::text() const {
  bool open_below = low_open || std::isinf(low), open_above = high_open || std::isinf(high);
  return (open_below ? "(" : "[") + detail::show(low) + ", " + detail::show(high) + (open_above ? ")" : "]");
}

namespace detail {

std::vector<double> numbers_in(double value) { return {value}; }
std::vector<double> numbers_in(int64_t value) { return {static_cast<double>(value)}; }
std::vector<double> numbers_in(const std::vector<double>& values) { return values; }
std::vector<double> numbers_in(const std::vector<int64_t>& values) { return {values.begin(), values.end()}; }
std::vector<double> numbers_in(const std::pair<double, double>& values) { return {values.first, values.second}; }

// The shortest text that reads back as the same double: 0.1, not 0.10000000000000001
// (17 significant digits always do).
std::string show(double value) {
  std::ostringstream text;
  for (int digits = 1; digits < 17; ++digits) {
    text.str("");
    text.precision(digits);
    text << value;
    if (std::strtod(text.str().c_str(), nullptr) == value) return text.str();
  }
  text.str("");
  text.precision(17);
  text << value;
  return text.str();
}

std::string show(int64_t value) { return std::to_string(value); }
std::string show(bool value) { return value ? "true" : "false"; }
std::string show(const std::string& value) { return value; }

std::string show(const std::vector<double>& values) {
  std::string out;
  for (double value : values) out += (out.empty() ? "" : ";") + show(value);
  return out;
}

std::string show(const std::vector<int64_t>& values) {
  std::string out;
  for (int64_t value : values) out += (out.empty() ? "" : ";") + show(value);
  return out;
}

std::string show(const std::pair<double, double>& values) { return show(values.first) + "/" + show(values.second); }

void check_range(const Spec& spec, const Arg& arg, const std::vector<double>& numbers, const Range& range) {
  for (double number : numbers)
    if (!range.contains(number))
      fail(spec, arg.key + "=" + arg.value + " is out of range: " + arg.key + " must lie in " + range.text());
}

}  // namespace detail

}  // namespace descent::spec
