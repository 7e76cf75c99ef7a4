// Reading a training run's RUN_DIR/metrics.jsonl (written by the training loop: one JSON
// object per epoch with at least epoch, train_loss, train_acc, dev_loss, dev_acc, lr, seconds).
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace descent::viz {

struct MetricsLog {
  std::filesystem::path file;
  // One map per line, holding its numeric fields. JSON null and the strings "nan", "inf",
  // "-inf" (how NaN and infinity survive JSON) read as NaN and +-infinity; fields of other
  // types (strings, booleans, arrays, objects) are skipped.
  std::vector<std::map<std::string, double>> records;

  // Whether any record has this field.
  bool has(const std::string& field) const;
  // The field of every record, NaN where a record lacks it.
  std::vector<double> column(const std::string& field) const;
};

// Reads the whole file. Throws IOError naming the file (and line) if it cannot be opened, has
// no records, a line is not a JSON object, or a record lacks a numeric "epoch". Blank lines are
// skipped.
MetricsLog read_metrics(const std::filesystem::path& file);

}  // namespace descent::viz
