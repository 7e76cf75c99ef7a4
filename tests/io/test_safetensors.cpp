// safetensors: round trips, the reference's header padding, interchange with a json+numpy
// reader and writer, and every kind of corrupt file refused with a clear message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/scratch.hpp"
#include "common/skip.hpp"
#include "descent/core/error.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/ops/ops.hpp"

using namespace descent;
using descent::testing::error_of;
using descent::testing::fresh_dir;
using descent::testing::read_file;
namespace fs = std::filesystem;

namespace {

void write_raw(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// A file with the given header text (length prefix computed) and data bytes.
std::string file_bytes(const std::string& header, const std::string& data, uint64_t declared = UINT64_MAX) {
  const uint64_t n = declared == UINT64_MAX ? header.size() : declared;
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  return out + header + data;
}

std::string load_error(const fs::path& p) {
  return error_of<IOError>([&] { load_safetensors(p); });
}

NamedTensors sample() {
  return {{"layers.0.weight", Tensor::from_data({1.5, -2.25, 3.0, 0.1, 1e-30, -7.0}, Shape{2, 3})},
          {"layers.0.bias", Tensor::from_data({0.5, -0.5}, Shape{2}, DType::f64)},
          {"step", Tensor::scalar(42.0, DType::f64)},
          {"empty", Tensor::zeros(Shape{0, 4})},
          {"transposed", Tensor::from_data({1, 2, 3, 4, 5, 6}, Shape{2, 3}).t()},
          {"labels", Tensor::from_data(std::vector<int64_t>{3, -1, 0, 7}, Shape{2, 2})}};
}

std::string dtype_code(DType d) { return d == DType::f32 ? "F32" : d == DType::f64 ? "F64" : "I64"; }

bool numpy_available() { return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0; }

const std::string kScript = std::string(DESCENT_SOURCE_DIR) + "/tests/io/safetensors_numpy.py";

}  // namespace

TEST(Safetensors, RoundTripKeepsNamesOrderShapesValuesAndMetadata) {
  const fs::path p = fresh_dir("safetensors", "roundtrip") / "w.safetensors";
  const NamedTensors in = sample();
  save_safetensors(p, in, {{"format", "pt"}, {"epoch", "3"}});
  const SafetensorsFile out = load_safetensors(p);
  ASSERT_EQ(out.tensors.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out.tensors[i].first, in[i].first);
    EXPECT_EQ(out.tensors[i].second.shape(), in[i].second.shape());
    EXPECT_EQ(out.tensors[i].second.dtype(), in[i].second.dtype());
    EXPECT_EQ(out.tensors[i].second.to_vector(), in[i].second.to_vector()) << in[i].first;
  }
  EXPECT_EQ(out.metadata, (Metadata{{"format", "pt"}, {"epoch", "3"}}));
}

TEST(Safetensors, HeaderIsPaddedWithSpacesToEightBytes) {
  const fs::path dir = fresh_dir("safetensors", "padding");
  for (int len = 1; len <= 9; ++len) {  // names of every length mod 8
    const fs::path p = dir / "p.safetensors";
    save_safetensors(p, {{std::string(static_cast<std::size_t>(len), 'w'), Tensor::ones(Shape{3})}});
    const std::string raw = read_file(p);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(raw[static_cast<std::size_t>(i)]);
    EXPECT_EQ(n % 8, 0u);
    EXPECT_EQ(raw[8], '{');
    const std::string header = raw.substr(8, n);
    const std::size_t close = header.find_last_of('}');
    EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos);
    EXPECT_LE(n - close - 1, 7u);
    EXPECT_EQ(raw.size(), 8 + n + 12);
  }
}

TEST(Safetensors, ReadByJsonAndNumpyOnly) {
  if (!numpy_available()) DESCENT_SKIP() << "/usr/bin/python3 lacks numpy";
  const fs::path dir = fresh_dir("safetensors", "numpy_reads");
  const fs::path p = dir / "w.safetensors", dump = dir / "dump.json";
  save_safetensors(p, sample(), {{"source", "descent"}});
  const std::string cmd = "/usr/bin/python3 " + kScript + " read " + p.string() + " " + dump.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const nlohmann::json j = nlohmann::json::parse(read_file(dump));
  EXPECT_EQ(j["metadata"], nlohmann::json({{"source", "descent"}}));
  EXPECT_EQ(j["tensors"].size(), sample().size());
  for (const auto& [name, t] : sample()) {
    const nlohmann::json& e = j["tensors"][name];
    EXPECT_EQ(e["dtype"], dtype_code(t.dtype())) << name;
    EXPECT_EQ(e["shape"].get<std::vector<int64_t>>(), std::vector<int64_t>(t.shape().begin(), t.shape().end())) << name;
    EXPECT_EQ(e["values"].get<std::vector<double>>(), t.to_vector()) << name;
  }
}

TEST(Safetensors, ReadsAFileWrittenByNumpy) {
  if (!numpy_available()) DESCENT_SKIP() << "/usr/bin/python3 lacks numpy";
  const fs::path p = fresh_dir("safetensors", "numpy_writes") / "np.safetensors";
  const std::string cmd = "/usr/bin/python3 " + kScript + " write " + p.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const SafetensorsFile f = load_safetensors(p);
  ASSERT_EQ(f.tensors.size(), 4u);
  // In data order (b, a, d, c), though the header lists them sorted.
  EXPECT_EQ(f.tensors[0].first, "b");
  EXPECT_EQ(f.tensors[0].second.shape(), Shape{});
  EXPECT_EQ(f.tensors[0].second.item(), 3.141592653589793);
  EXPECT_EQ(f.tensors[1].first, "a");
  EXPECT_EQ(f.tensors[1].second.dtype(), DType::f32);
  EXPECT_EQ(f.tensors[1].second.to_vector(), (std::vector<double>{-1, -0.5, 0, 0.5, 1, 1.5}));
  EXPECT_EQ(f.tensors[2].second.to_vector(), (std::vector<double>{1e-300, -2.5, 3.0, INFINITY}));
  EXPECT_EQ(f.tensors[3].second.shape(), Shape({0, 3}));
  EXPECT_EQ(f.metadata, (Metadata{{"format", "pt"}, {"writer", "numpy"}}));
}

TEST(Safetensors, ReadsHalfFloatsAndIntegersWrittenByNumpy) {
  if (!numpy_available()) DESCENT_SKIP() << "/usr/bin/python3 lacks numpy";
  const fs::path p = fresh_dir("safetensors", "numpy_dtypes") / "dtypes.safetensors";
  const std::string cmd = "/usr/bin/python3 " + kScript + " write-dtypes " + p.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const SafetensorsFile f = load_safetensors(p);
  std::map<std::string, Tensor> by_name(f.tensors.begin(), f.tensors.end());
  ASSERT_EQ(by_name.size(), 11u);
  auto values = [&](const std::string& name, DType dtype) {
    EXPECT_EQ(by_name.at(name).dtype(), dtype) << name;
    return by_name.at(name).to_vector();
  };
  // Integers and booleans read as int64, exactly (no rounding beyond 2^53).
  auto integers = [&](const std::string& name) {
    EXPECT_EQ(by_name.at(name).dtype(), DType::i64) << name;
    return by_name.at(name).values<int64_t>();
  };
  const std::vector<double> f16 = values("f16", DType::f32);
  EXPECT_EQ(f16, (std::vector<double>{0.5, -2.0, 65504.0, std::ldexp(1.0, -14), std::ldexp(1.0, -24), INFINITY, 0.0}));
  EXPECT_TRUE(std::signbit(f16.back())) << "-0 stays -0";
  EXPECT_EQ(values("bf16", DType::f32), (std::vector<double>{1.5, -2.0, 0.15625, INFINITY, 65280.0}));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(integers("i64"), (std::vector<int64_t>{kMin, 0, (int64_t{1} << 53) + 1, kMax}));
  EXPECT_EQ(integers("i32"), (std::vector<int64_t>{-2147483648LL, 2147483647}));
  EXPECT_EQ(integers("i16"), (std::vector<int64_t>{-32768, 32767}));
  EXPECT_EQ(integers("i8"), (std::vector<int64_t>{-128, 127}));
  EXPECT_EQ(integers("u64"), (std::vector<int64_t>{0, kMax}));
  EXPECT_EQ(integers("u32"), (std::vector<int64_t>{4294967295LL}));
  EXPECT_EQ(integers("u16"), (std::vector<int64_t>{65535}));
  EXPECT_EQ(integers("u8"), (std::vector<int64_t>{0, 255}));
  EXPECT_EQ(integers("bool"), (std::vector<int64_t>{1, 0, 1}));
}

TEST(Safetensors, Int64RoundTripsExactly) {
  const fs::path p = fresh_dir("safetensors", "int64") / "labels.safetensors";
  const std::vector<int64_t> labels = {(int64_t{1} << 53) + 1, -5, std::numeric_limits<int64_t>::max()};
  save_safetensors(p, {{"labels", Tensor::from_data(labels, Shape{3})}});
  const SafetensorsFile f = load_safetensors(p);
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].second.dtype(), DType::i64);
  EXPECT_EQ(f.tensors[0].second.values<int64_t>(), labels);
}

TEST(Safetensors, FailedSaveKeepsThePreviousFileLoadable) {
  const fs::path dir = fresh_dir("safetensors", "enospc");
  const fs::path p = dir / "best.safetensors";
  save_safetensors(p, sample());
  inject_write_failure_after(100);
  const std::string msg = error_of<IOError>([&] { save_safetensors(p, {{"big", Tensor::zeros(Shape{1000, 1000})}}); });
  inject_write_failure_after(-1);
  EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
  EXPECT_EQ(load_safetensors(p).tensors.size(), sample().size());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

TEST(Safetensors, SaveRefusesBadNames) {
  const fs::path p = fresh_dir("safetensors", "names") / "x.safetensors";
  EXPECT_NE(error_of<ValueError>([&] {
              save_safetensors(p, {{"a", Tensor::ones(Shape{1})}, {"a", Tensor::ones(Shape{1})}});
            }).find("two tensors are named 'a'"),
            std::string::npos);
  EXPECT_THROW(save_safetensors(p, {{"__metadata__", Tensor::ones(Shape{1})}}), ValueError);
  EXPECT_FALSE(fs::exists(p));
}

TEST(Safetensors, CorruptFilesAreRefusedWithClearMessages) {
  const fs::path dir = fresh_dir("safetensors", "corrupt");
  const fs::path p = dir / "c.safetensors";
  const std::string four_floats(16, '\0');
  auto check = [&](const std::string& bytes, const std::string& expected) {
    write_raw(p, bytes);
    const std::string msg = load_error(p);
    EXPECT_NE(msg.find(expected), std::string::npos) << "expected '" << expected << "' in: " << msg;
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  };
  check("abc", "truncated: 3 bytes, expected at least the 8-byte header length");
  check(file_bytes("{}", "", 1000), "declares a 1000-byte header but only 2 bytes follow");
  check(file_bytes("{}", "", 1ULL << 40), "more than the 100000000 bytes allowed");
  check(file_bytes("[1]     ", ""), "does not start with '{'");
  check(file_bytes("{\"a\": ", ""), "not valid JSON");
  check(file_bytes(R"({"a":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}})", "ab"),
        "tensor 'a' has dtype 'F8_E4M3'; descent reads F32, F64, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, "
        "BOOL");
  // 2^63 as U64: int64 cannot hold it.
  check(file_bytes(R"({"n":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}})",
                   std::string("\x00\x00\x00\x00\x00\x00\x00\x80", 8)),
        "tensor 'n': element 0 of U64 (9223372036854775808) is beyond 2^63 - 1, which int64 cannot hold");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", four_floats.substr(0, 10)),
        "reach beyond the data section of 10 bytes");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", four_floats),
        "shape [3] of F32 needs 12 bytes but data_offsets [0,16] span 16");
  check(
      file_bytes(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
          four_floats),
      "the data of tensors 'a' and 'b' overlap");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", four_floats),
        "bytes 0 to 8 of the data section belong to no tensor");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", four_floats),
        "the tensors cover 8 bytes of data but the data section has 16 bytes");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", four_floats),
        "not a non-negative integer");
  check(file_bytes(R"({"a":{"dtype":"F32","shape":[2]}})", four_floats),
        "needs \"dtype\", \"shape\" and \"data_offsets\"");
  check(file_bytes(R"({"__metadata__":{"k":1}})", ""), "__metadata__ value of 'k' is not a string");

  // A file cut short by a crash: the header's offsets no longer fit.
  save_safetensors(p, sample());
  fs::resize_file(p, fs::file_size(p) - 4);
  EXPECT_NE(load_error(p).find("reach beyond the data section"), std::string::npos);
  EXPECT_NE(load_error(dir / "missing").find("No such file or directory"), std::string::npos);
}
