// CSV files of numbers: one example per line, numeric feature columns and one label column
// chosen by header name or by index, or several (multi-label data) chosen by a list. A header line is detected (any
// non-numeric cell in the first line) or declared. Cells are separated by a delimiter, without quoting. A file may be
// gzip-compressed (detected by its magic bytes).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace descent {

enum class CsvHeader { detect, present, absent };

struct CsvOptions {
  std::string label_column;  // a header name; when empty, label_index picks the column
  int64_t label_index = -1;  // 0-based column index; negative counts from the end (-1: the last)
  // Several label columns, in this order (multi-label data): a comma-separated list of header
  // names, 0-based indices and inclusive index ranges, e.g. "0-4" or "cat,dog" or "3,5-7".
  // When set, label_column and label_index are not used.
  std::string label_columns;
  CsvHeader header = CsvHeader::detect;
  char delimiter = ',';
};

struct CsvData {
  std::vector<std::string> feature_names;  // header names, or "column 1", "column 2", ... (1-based)
  std::vector<std::string> label_names;    // one per label column, as feature_names
  std::vector<int64_t> label_numbers;      // each label column's 1-based number in the file
  std::vector<float> features;             // (rows, feature_names.size()) row-major
  std::vector<float> labels;               // (rows, label_names.size()) row-major
  std::vector<int64_t> lines;              // (rows) the 1-based line of the file each row is on

  int64_t rows() const { return static_cast<int64_t>(lines.size()); }
  int64_t num_labels() const { return static_cast<int64_t>(label_names.size()); }
  int64_t num_features() const { return static_cast<int64_t>(feature_names.size()); }
};

// Throws IOError for a missing or empty file, a line with the wrong number of cells, or a
// non-numeric cell (naming its 1-based line number and its column's name and 1-based number),
// and ValueError for a label column that does not exist (listing the columns), is named twice,
// or leaves no feature column.
CsvData read_csv(const std::filesystem::path& path, const CsvOptions& options = {});

}  // namespace descent
