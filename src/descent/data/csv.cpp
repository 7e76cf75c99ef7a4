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
  std::size_t label_col = 0;
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
      if (!options.label_column.empty()) {
        std::size_t i = 0;
        while (i < names.size() && names[i] != options.label_column) ++i;
        if (i == names.size()) {
          std::string list;
          for (const std::string& name : names) list += (list.empty() ? "'" : ", '") + name + "'";
          throw ValueError(where + " has no label column '" + options.label_column + "'" +
                           (header ? "; its columns are " + list : "; it has no header line to name columns"));
        }
        label_col = i;
      } else {
        const int64_t idx = options.label_index < 0 ? n + options.label_index : options.label_index;
        if (idx < 0 || idx >= n)
          throw ValueError(where + ": label column index " + std::to_string(options.label_index) +
                           " is out of range for " + std::to_string(n) + " columns (expected " + std::to_string(-n) +
                           " to " + std::to_string(n - 1) + ")");
        label_col = static_cast<std::size_t>(idx);
      }
      out.label_name = names[label_col];
      for (std::size_t i = 0; i < names.size(); ++i)
        if (i != label_col) out.feature_names.push_back(names[i]);
      if (header) continue;
    }
    if (cells.size() != names.size())
      throw IOError(where + ": line " + std::to_string(line_no) + " has " + std::to_string(cells.size()) +
                    " cells, expected " + std::to_string(names.size()) + " as on the first line");
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::optional<float> v = parse_number(cells[i]);
      if (!v)
        throw IOError(where + ": line " + std::to_string(line_no) + ", " + column_text(names, i) + ": '" +
                      std::string(cells[i]) + "' is not a finite number" +
                      (i == label_col ? " (labels must be class indices 0, 1, ... or numeric targets)" : ""));
      (i == label_col ? out.labels : out.features).push_back(*v);
    }
    out.lines.push_back(line_no);
  }
  if (out.labels.empty()) throw IOError(where + " has no data rows");
  return out;
}

}  // namespace descent
