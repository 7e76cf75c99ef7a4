// CSV reading: the whole file (inflated if gzip-compressed), one pass over its lines, numbers
// parsed with std::from_chars (locale-free, correctly rounded to float).
#include "descent/data/csv.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "descent/core/error.hpp"
#include "descent/data/idx.hpp"

namespace descent {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string_view> split(std::string_view line, char delimiter) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(delimiter, start);
    cells.push_back(trim(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) return cells;
    start = end + 1;
  }
}

std::optional<float> parse_number(std::string_view cell) {
  cell = unquote(cell);
  if (!cell.empty() && cell.front() == '+') cell.remove_prefix(1);
  float value = 0;
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::string column_text(const std::vector<std::string>& names, std::size_t col) {
  return "column " + std::to_string(col + 1) + " ('" + names[col] + "')";
}

// A column named by header name or 0-based index (negative counts from the end).
std::size_t column_named(const std::vector<std::string>& names, std::string_view name, int64_t index, bool header,
                         const std::string& where) {
  if (!name.empty()) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found != names.end()) return static_cast<std::size_t>(found - names.begin());
    std::string list;
    for (const std::string& column : names) list += (list.empty() ? "'" : ", '") + column + "'";
    throw ValueError(where + " has no label column '" + std::string(name) + "'" +
                     (header ? "; its columns are " + list : "; it has no header line to name columns"));
  }
  const auto n = static_cast<int64_t>(names.size());
  const int64_t idx = index < 0 ? n + index : index;
  if (idx < 0 || idx >= n)
    throw ValueError(where + ": label column index " + std::to_string(index) + " is out of range for " +
                     std::to_string(n) + " columns (expected " + std::to_string(-n) + " to " + std::to_string(n - 1) +
                     ")");
  return static_cast<std::size_t>(idx);
}

std::optional<int64_t> parse_index(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The label columns CsvOptions names: one (label_column or label_index), or the list of
// label_columns, whose items are names, indices, or inclusive index ranges "A-B".
std::vector<std::size_t> label_columns_of(const std::vector<std::string>& names, const CsvOptions& options, bool header,
                                          const std::string& where) {
  if (options.label_columns.empty())
    return {column_named(names, options.label_column, options.label_index, header, where)};
  std::vector<std::size_t> columns;
  for (std::string_view item : split(options.label_columns, ',')) {
    const std::size_t dash = item.find('-', 1);
    const std::optional<int64_t> first = parse_index(item.substr(0, dash));
    const std::optional<int64_t> last = dash == std::string_view::npos ? first : parse_index(item.substr(dash + 1));
    if (first && last && *first >= 0 && *last >= *first) {
      for (int64_t i = *first; i <= *last; ++i) columns.push_back(column_named(names, "", i, header, where));
    } else if (first && dash == std::string_view::npos) {
      columns.push_back(column_named(names, "", *first, header, where));
    } else {
      columns.push_back(column_named(names, item, 0, header, where));
    }
  }
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (std::find(columns.begin(), columns.begin() + static_cast<std::ptrdiff_t>(i), columns[i]) !=
        columns.begin() + static_cast<std::ptrdiff_t>(i))
      throw ValueError(where + ": --label-columns '" + options.label_columns + "' names " +
                       column_text(names, columns[i]) + " twice");
  return columns;
}

}  // namespace

CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options) {
  const std::string where = "CSV file '" + path.string() + "'";
  std::vector<uint8_t> bytes;
  try {
    bytes = read_maybe_gzipped(path);
  } catch (const IOError& e) {
    throw IOError("cannot read " + where + ": " + e.what());
  }
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  std::vector<std::string> names;  // every column's name
  std::vector<std::size_t> label_cols, feature_cols;
  CsvData out;
  int64_t line_no = 0;
  bool first = true;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t newline = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, newline - start);
    start = newline + 1;
    ++line_no;
    if (trim(line).empty()) continue;
    const std::vector<std::string_view> cells = split(line, options.delimiter);
    if (first) {
      first = false;
      bool numeric = true;
      for (std::string_view c : cells) numeric = numeric && parse_number(c).has_value();
      const bool header = options.header == CsvHeader::present || (options.header == CsvHeader::detect && !numeric);
      for (std::size_t i = 0; i < cells.size(); ++i)
        names.push_back(header ? std::string(unquote(cells[i])) : "column " + std::to_string(i + 1));
      const auto n = static_cast<int64_t>(names.size());
      if (n < 2)
        throw IOError(where + " has " + std::to_string(n) + " column on line " + std::to_string(line_no) +
                      ", expected at least 2 (features and a label) separated by '" + options.delimiter + "'");
      label_cols = label_columns_of(names, options, header, where);
      for (std::size_t col : label_cols) {
        out.label_names.push_back(names[col]);
        out.label_numbers.push_back(static_cast<int64_t>(col) + 1);
      }
      for (std::size_t i = 0; i < names.size(); ++i)
        if (std::find(label_cols.begin(), label_cols.end(), i) == label_cols.end()) {
          out.feature_names.push_back(names[i]);
          feature_cols.push_back(i);
        }
      if (feature_cols.empty())
        throw ValueError(where + ": every column is a label column; at least one feature column must remain");
      if (header) continue;
    }
    if (cells.size() != names.size())
      throw IOError(where + ": line " + std::to_string(line_no) + " has " + std::to_string(cells.size()) +
                    " cells, expected " + std::to_string(names.size()) + " as on the first line");
    auto number_at = [&](std::size_t col, bool label) {
      const std::optional<float> v = parse_number(cells[col]);
      if (!v)
        throw IOError(where + ": line " + std::to_string(line_no) + ", " + column_text(names, col) + ": '" +
                      std::string(cells[col]) + "' is not a finite number" +
                      (label ? " (labels must be class indices 0, 1, ... or numeric targets)" : ""));
      return *v;
    };
    for (std::size_t col : feature_cols) out.features.push_back(number_at(col, false));
    for (std::size_t col : label_cols) out.labels.push_back(number_at(col, true));
    out.lines.push_back(line_no);
  }
  if (out.lines.empty()) throw IOError(where + " has no data rows");
  return out;
}

}  // namespace descent
