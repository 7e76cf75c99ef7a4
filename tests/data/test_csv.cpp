// CSV reading: header detection, label column by name or index, and bad cells named by
// line and column.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/scratch.hpp"
#include "descent/core/error.hpp"
#include "descent/data/csv.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/loader.hpp"

using namespace descent;
using descent::testing::error_of;
namespace fs = std::filesystem;

namespace {

fs::path write_csv(const std::string& name, const std::string& text) {
  fs::path dir = fs::temp_directory_path() / ("descent_test_csv_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / name) << text;
  return dir / name;
}

}  // namespace

TEST(Csv, DetectsHeaderAndPicksLabelByName) {
  const fs::path p = write_csv("named.csv", "a,label,b\n1,0,2\n3.5,1,-4e-1\n");
  const CsvData d = read_csv(p, {.label_column = "label"});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.label_names, std::vector<std::string>{"label"});
  EXPECT_EQ(d.features, (std::vector<float>{1, 2, 3.5f, -0.4f}));
  EXPECT_EQ(d.labels, (std::vector<float>{0, 1}));
}

TEST(Csv, NoHeaderDetectedAndLastColumnIsTheDefaultLabel) {
  const fs::path p = write_csv("plain.csv", "1, 2, 0\r\n\r\n3, 4, 1\r\n");  // CRLF, spaces, a blank line
  const CsvData d = read_csv(p);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"column 1", "column 2"}));
  EXPECT_EQ(d.features, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(d.labels, (std::vector<float>{0, 1}));
}

TEST(Csv, LabelByIndexAndDeclaredHeader) {
  const fs::path p = write_csv("index.csv", "10,20,30\n1,2,3\n4,5,6\n");
  const CsvData first = read_csv(p, {.label_index = 0, .header = CsvHeader::present});
  EXPECT_EQ(first.label_names, std::vector<std::string>{"10"});
  EXPECT_EQ(first.labels, (std::vector<float>{1, 4}));
  EXPECT_EQ(first.features, (std::vector<float>{2, 3, 5, 6}));
  const CsvData absent = read_csv(p, {.label_index = -2, .header = CsvHeader::absent, .delimiter = ','});
  EXPECT_EQ(absent.labels, (std::vector<float>{20, 2, 5}));
}

TEST(Csv, ReadsGzipCompressedFiles) {
  const fs::path plain = write_csv("zipped.csv", "a,b\n1,0\n2,1\n");
  const fs::path gz = plain.string() + ".gz";
  fs::remove(gz);
  ASSERT_EQ(std::system(("gzip -k " + plain.string()).c_str()), 0);
  EXPECT_EQ(read_csv(gz).features, (std::vector<float>{1, 2}));
}

TEST(Csv, NonNumericCellNamesLineAndColumn) {
  const fs::path p = write_csv("bad.csv", "x,width,y\n1,2,0\n\n3,abc,1\n");
  const std::string msg = error_of<IOError>([&] { read_csv(p); });
  EXPECT_NE(msg.find("line 4, column 2 ('width'): 'abc' is not a finite number"), std::string::npos) << msg;
  const fs::path q = write_csv("bad_noheader.csv", "1,2,0\n3,4,nan\n");
  const std::string msg2 = error_of<IOError>([&] { read_csv(q); });
  EXPECT_NE(msg2.find("line 2, column 3 ('column 3')"), std::string::npos) << msg2;
  EXPECT_NE(msg2.find("labels must be class indices"), std::string::npos) << msg2;
}

TEST(Csv, RaggedLine) {
  const fs::path p = write_csv("ragged.csv", "1,2,0\n3,4\n");
  const std::string msg = error_of<IOError>([&] { read_csv(p); });
  EXPECT_NE(msg.find("line 2 has 2 cells, expected 3"), std::string::npos) << msg;
}

TEST(Csv, UnknownLabelColumnListsTheColumns) {
  const fs::path p = write_csv("cols.csv", "a,b,c\n1,2,3\n");
  const std::string msg = error_of<ValueError>([&] { read_csv(p, {.label_column = "target"}); });
  EXPECT_NE(msg.find("no label column 'target'; its columns are 'a', 'b', 'c'"), std::string::npos) << msg;
  const std::string msg2 = error_of<ValueError>([&] { read_csv(p, {.label_index = 3}); });
  EXPECT_NE(msg2.find("label column index 3 is out of range for 3 columns"), std::string::npos) << msg2;
}

TEST(Csv, EmptyAndMissingFiles) {
  EXPECT_NE(error_of<IOError>([&] { read_csv(write_csv("empty.csv", "")); }).find("no data rows"), std::string::npos);
  EXPECT_NE(error_of<IOError>([&] { read_csv(write_csv("header_only.csv", "a,b\n")); }).find("no data rows"),
            std::string::npos);
  EXPECT_NE(error_of<IOError>([&] {
              read_csv("/nonexistent/x.csv");
            }).find("cannot read CSV file '/nonexistent/x.csv'"),
            std::string::npos);
}

TEST(CsvDataset, ClassesOrTargetsAndADeterministicTestSplit) {
  std::string text = "f1,f2,label\n";
  for (int i = 0; i < 50; ++i)
    text += std::to_string(i) + "," + std::to_string(-i) + "," + std::to_string(i / 10) + "\n";
  const fs::path p = write_csv("classes.csv", text);
  const TrainTest a = load_csv_dataset(p);
  EXPECT_EQ(a.train.size(), 40);
  EXPECT_EQ(a.test.size(), 10);
  EXPECT_EQ(a.train.num_classes, 5);
  EXPECT_EQ(a.train.num_features(), 2);
  // Rows were shuffled as whole rows: f2 = -f1 and label = f1 / 10 still hold.
  for (const Dataset* d : {&a.train, &a.test})
    for (int64_t i = 0; i < d->size(); ++i) {
      const double f1 = d->x.at({i, 0});
      EXPECT_EQ(d->x.at({i, 1}), -f1);
      EXPECT_EQ(d->y.at({i}), std::floor(f1 / 10));
    }
  const TrainTest b = load_csv_dataset(p);
  EXPECT_EQ(a.test.x.to_vector(), b.test.x.to_vector());
  // Not simply the last rows of the file: the split samples the whole file.
  EXPECT_NE(a.test.y.to_vector(), std::vector<double>(10, 4.0));

  const fs::path r = write_csv("targets.csv", "x,y\n1,0.5\n2,1.5\n3,2.5\n4,3.5\n5,4.5\n");
  const TrainTest reg = load_dataset(r.string());
  EXPECT_EQ(reg.train.num_classes, 0);
  EXPECT_FALSE(reg.train.is_classification());
  // Class labels are int64 (torch.long); targets stay in the features' dtype, and so do class
  // indices read as targets (--task regression).
  EXPECT_EQ(a.train.y.dtype(), DType::i64);
  EXPECT_EQ(reg.train.y.dtype(), DType::f32);
  const TrainTest as_targets = load_dataset(p.string(), {}, Task::regression);
  EXPECT_EQ(as_targets.train.y.dtype(), DType::f32);
  EXPECT_EQ(as_targets.train.num_classes, 0);
  EXPECT_EQ(as_targets.train.y.to_vector(), a.train.y.to_vector());
  as_targets.train.validate("regression");
}

TEST(Csv, SeveralLabelColumnsByIndexRangeAndName) {
  const fs::path p = write_csv("multi.csv", "a,b,c,d,e\n1,2,0,1,1\n3,4,1,0,1\n");
  const CsvData range = read_csv(p, {.label_columns = "2-3,e"});
  EXPECT_EQ(range.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(range.label_names, (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(range.label_numbers, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(range.labels, (std::vector<float>{0, 1, 1, 1, 0, 1}));  // (rows, labels) row-major
  EXPECT_EQ(range.features, (std::vector<float>{1, 2, 3, 4}));
  const CsvData named = read_csv(p, {.label_columns = "e,a"});  // in the order given
  EXPECT_EQ(named.labels, (std::vector<float>{1, 1, 1, 3}));
  EXPECT_NE(error_of<ValueError>([&] { read_csv(p, {.label_columns = "c,2"}); }).find("twice"), std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { read_csv(p, {.label_columns = "0-4"}); }).find("feature column"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] { read_csv(p, {.label_columns = "c,zz"}); }).find("'zz'"), std::string::npos);
}

TEST(CsvDataset, MultilabelKeepsEachRowsLabelsAndRefusesAnythingButZeroAndOne) {
  std::string text = "f1,f2,small,even\n";
  for (int i = 0; i < 50; ++i)
    text +=
        std::to_string(i) + "," + std::to_string(-i) + "," + (i < 20 ? "1" : "0") + "," + (i % 2 ? "0" : "1") + "\n";
  const fs::path p = write_csv("multilabel.csv", text);
  const TrainTest data = load_csv_dataset(p, {.label_columns = "2-3"}, Task::multilabel);
  EXPECT_TRUE(data.train.is_multilabel());
  EXPECT_FALSE(data.train.is_classification());
  EXPECT_EQ(data.train.num_labels, 2);
  EXPECT_EQ(data.train.num_outputs(), 2);
  EXPECT_EQ(data.train.y.shape(), (Shape{40, 2}));
  EXPECT_EQ(data.train.y.dtype(), DType::f32);  // multi-label targets stay floating
  // Shuffled and batched as whole rows: both labels still follow f1.
  DataLoader loader(data.train, {.batch_size = 7, .shuffle = true, .seed = 3});
  int64_t rows = 0;
  for (const Batch& batch : loader) {
    ASSERT_EQ(batch.y.dim(), 2);
    for (int64_t i = 0; i < batch.x.size(0); ++i, ++rows) {
      const auto f1 = static_cast<int>(batch.x.at({i, 0}));
      EXPECT_EQ(batch.y.at({i, 0}), f1 < 20 ? 1.0 : 0.0);
      EXPECT_EQ(batch.y.at({i, 1}), f1 % 2 ? 0.0 : 1.0);
    }
  }
  EXPECT_EQ(rows, 40);

  // Several label columns are never taken for anything else silently.
  EXPECT_NE(error_of<ValueError>([&] { load_csv_dataset(p, {.label_columns = "2-3"}); }).find("--task multilabel"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] {
              load_csv_dataset(p, {.label_columns = "2-3"}, Task::regression);
            }).find("instead of --task regression"),
            std::string::npos);
  const fs::path half = write_csv("half.csv", text + "50,-50,0.5,1\n");
  EXPECT_NE(error_of<ValueError>([&] {
              load_csv_dataset(half, {.label_columns = "2-3"}, Task::multilabel);
            }).find("line 52, column 3 ('small'): label 0.5 is not 0 or 1"),
            std::string::npos);
  // One label column is multi-label data of one label; a set without label columns is refused.
  EXPECT_EQ(load_csv_dataset(p, {.label_column = "even"}, Task::multilabel).train.y.shape(), (Shape{40, 1}));
  EXPECT_THROW(load_dataset("xor", {}, Task::multilabel), ValueError);
}
