// IDX reading: round trips (plain and gzip) and every kind of bad file, with the messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "common/scratch.hpp"
#include "descent/core/error.hpp"
#include "descent/data/idx.hpp"

using namespace descent;
using descent::testing::error_of;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  fs::path dir = fs::temp_directory_path() / ("descent_test_idx_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void write_bytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<uint8_t> ramp(std::size_t n) {
  std::vector<uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 7 + 3);
  return v;
}

}  // namespace

TEST(Idx, RoundTripPlain) {
  const fs::path p = temp_dir() / "images-idx3-ubyte";
  const std::vector<int64_t> dims{5, 3, 4};
  const std::vector<uint8_t> data = ramp(60);
  write_idx(p, dims, data);
  EXPECT_EQ(fs::file_size(p), 16u + 60u);
  const IdxArray a = read_idx(p, 3);
  EXPECT_EQ(a.dims, dims);
  EXPECT_EQ(a.data, data);
}

TEST(Idx, RoundTripGzipIsDetectedByMagicBytesNotByName) {
  const fs::path p = temp_dir() / "labels-idx1-ubyte";  // no .gz in the name
  const std::vector<int64_t> dims{1000};
  const std::vector<uint8_t> data = ramp(1000);
  write_idx(p, dims, data, /*gzip=*/true);
  const std::vector<uint8_t> raw = read_bytes(p);
  ASSERT_GE(raw.size(), 2u);
  EXPECT_EQ(raw[0], 0x1f);
  EXPECT_EQ(raw[1], 0x8b);
  const IdxArray a = read_idx(p, 1);
  EXPECT_EQ(a.dims, dims);
  EXPECT_EQ(a.data, data);
}

TEST(Idx, HeaderIsBigEndian) {
  const fs::path p = temp_dir() / "be";
  write_bytes(p, {0, 0, 8, 2, 0, 0, 1, 2, 0, 0, 0, 1});  // 258 x 1
  const std::string msg = error_of<IOError>([&] { read_idx(p); });
  EXPECT_NE(msg.find("258 x 1"), std::string::npos) << msg;
}

TEST(Idx, MissingFileNamesThePath) {
  const fs::path p = temp_dir() / "does-not-exist";
  const std::string msg = error_of<IOError>([&] { read_idx(p); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST(Idx, TruncatedDataSaysBytesExpectedAndFound) {
  const fs::path p = temp_dir() / "truncated";
  write_idx(p, std::vector<int64_t>{10, 2, 2}, ramp(40));
  fs::resize_file(p, 16 + 30);
  const std::string msg = error_of<IOError>([&] { read_idx(p, 3); });
  EXPECT_NE(msg.find("has 46 bytes, expected 56"), std::string::npos) << msg;
  EXPECT_NE(msg.find("10 x 2 x 2 = 40"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Idx, LongerThanHeaderSaysSo) {
  const fs::path p = temp_dir() / "long";
  write_idx(p, std::vector<int64_t>{4}, ramp(4));
  std::vector<uint8_t> bytes = read_bytes(p);
  bytes.push_back(0);
  write_bytes(p, bytes);
  const std::string msg = error_of<IOError>([&] { read_idx(p, 1); });
  EXPECT_NE(msg.find("has 13 bytes, expected 12"), std::string::npos) << msg;
  EXPECT_NE(msg.find("longer than its header says"), std::string::npos) << msg;
}

TEST(Idx, TruncatedHeader) {
  const fs::path p = temp_dir() / "short-header";
  write_bytes(p, {0, 0, 8, 3, 0, 0});
  const std::string msg = error_of<IOError>([&] { read_idx(p, 3); });
  EXPECT_NE(msg.find("6 bytes, expected at least the 16-byte header"), std::string::npos) << msg;
  write_bytes(p, {0, 0});
  EXPECT_NE(error_of<IOError>([&] { read_idx(p); }).find("2 bytes, expected at least the 4-byte magic"),
            std::string::npos);
}

TEST(Idx, TruncatedGzip) {
  const fs::path p = temp_dir() / "truncated.gz";
  write_idx(p, std::vector<int64_t>{2000}, ramp(2000), /*gzip=*/true);
  fs::resize_file(p, fs::file_size(p) / 2);
  const std::string msg = error_of<IOError>([&] { read_idx(p, 1); });
  EXPECT_NE(msg.find("truncated gzip file"), std::string::npos) << msg;
}

TEST(Idx, WrongMagicSaysFoundAndExpected) {
  const fs::path p = temp_dir() / "not-idx";
  write_bytes(p, {'P', 'K', 3, 4, 0, 0, 0, 0});
  const std::string msg = error_of<IOError>([&] { read_idx(p, 3); });
  EXPECT_NE(msg.find("magic number 0x504B0304"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 0x00000803"), std::string::npos) << msg;
}

TEST(Idx, LabelsFileGivenForImagesIsRefusedByItsMagic) {
  const fs::path p = temp_dir() / "labels";
  write_idx(p, std::vector<int64_t>{3}, ramp(3));
  const std::string msg = error_of<IOError>([&] { read_idx(p, 3); });
  EXPECT_NE(msg.find("magic number 0x00000801 (1 dims), expected 0x00000803 (3 dims)"), std::string::npos) << msg;
}

TEST(Idx, UnsupportedTypeCode) {
  const fs::path p = temp_dir() / "floats";
  write_bytes(p, {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  const std::string msg = error_of<IOError>([&] { read_idx(p, 1); });
  EXPECT_NE(msg.find("element type code 0D"), std::string::npos) << msg;
  EXPECT_NE(msg.find("only unsigned bytes"), std::string::npos) << msg;
}

TEST(Idx, WriteRefusesMismatchedData) {
  const fs::path p = temp_dir() / "bad-write";
  EXPECT_THROW(write_idx(p, std::vector<int64_t>{2, 2}, ramp(3)), ValueError);
  EXPECT_NE(error_of<ValueError>([&] {
              write_idx(p, std::vector<int64_t>{}, ramp(0));
            }).find("write_idx: an IDX file has 1 to 255 dims, got 0"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] {
              write_idx(p, std::vector<int64_t>(256, 1), ramp(1));
            }).find("1 to 255 dims, got 256"),
            std::string::npos);
  EXPECT_NE(error_of<ValueError>([&] {
              write_idx(p, std::vector<int64_t>{1LL << 32}, ramp(1));
            }).find("write_idx: dim size 4294967296 does not fit in uint32"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(p));
}
