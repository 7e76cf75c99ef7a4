// CIFAR-10 binary reader: records to float32 pixels with their bytes kept (BytePixels), and the
// search for the data set on disk.
#include "descent/data/cifar.hpp"

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "descent/data/data_folders.hpp"

namespace descent {
namespace {

constexpr std::array<const char*, 6> kCifarFiles = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                                    "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
constexpr const char* kArchiveFolder = "cifar-10-batches-bin";

std::string fetch_hint(const std::filesystem::path& dir) {
  return std::string("download ") + kCifar10Url + " and unpack it into '" + dir.string() + "' (mkdir -p " +
         dir.string() + " && tar xzf cifar-10-binary.tar.gz -C " + dir.string() + ")";
}

std::vector<uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError("cannot open CIFAR-10 file '" + path.string() + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw IOError("cannot read CIFAR-10 file '" + path.string() + "': " + std::strerror(errno));
  return bytes;
}

// Appends one file's records: labels to `labels`, pixel bytes to `pixels`.
void append_records(const std::filesystem::path& path, std::vector<float>& labels, std::vector<uint8_t>& pixels) {
  const std::vector<uint8_t> bytes = read_bytes(path);
  const auto size = static_cast<int64_t>(bytes.size());
  if (size == 0) throw IOError("CIFAR-10 file '" + path.string() + "' is empty; expected 3073-byte records");
  if (const int64_t tail = size % kCifarRecordBytes; tail != 0)
    throw IOError("CIFAR-10 file '" + path.string() + "' is " + std::to_string(size) + " bytes: record " +
                  std::to_string(size / kCifarRecordBytes) + " (byte offset " + std::to_string(size - tail) +
                  ") ends after " + std::to_string(tail) + " of its " + std::to_string(kCifarRecordBytes) +
                  " bytes; expected whole records of 1 label byte + 3072 pixel bytes (truncated, or not the "
                  "binary version?)");
  for (int64_t offset = 0; offset < size; offset += kCifarRecordBytes) {
    const uint8_t label = bytes[static_cast<std::size_t>(offset)];
    if (label >= kCifarClasses)
      throw IOError("CIFAR-10 file '" + path.string() + "': record " + std::to_string(offset / kCifarRecordBytes) +
                    " (byte offset " + std::to_string(offset) + ") has label " + std::to_string(label) +
                    ", expected a class index 0-9");
    labels.push_back(label);
    pixels.insert(pixels.end(), bytes.begin() + offset + 1, bytes.begin() + offset + kCifarRecordBytes);
  }
}

// The folder holding data_batch_1.bin: `dir` itself or its cifar-10-batches-bin; empty if neither.
std::filesystem::path batches_folder(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / kCifarFiles[0], ec)) return dir;
  if (std::filesystem::exists(dir / kArchiveFolder / kCifarFiles[0], ec)) return dir / kArchiveFolder;
  return {};
}

}  // namespace

Dataset read_cifar10_batches(const std::vector<std::filesystem::path>& files) {
  std::vector<float> labels;
  auto pixels = std::make_shared<std::vector<uint8_t>>();
  for (const std::filesystem::path& path : files) append_records(path, labels, *pixels);
  const auto n = static_cast<int64_t>(labels.size());
  std::array<float, 256> lut{};  // bytes / 255 in float32, torchvision's ToTensor
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
  Dataset out{.x = Tensor::empty(Shape{n, kCifarImageBytes}),
              .y = Tensor::from_data(std::span<const float>(labels), Shape{n}, DType::i64),
              .num_classes = kCifarClasses,
              .item_shape = Shape{kCifarChannels, kCifarSide, kCifarSide},
              .pixels = {}};
  float* x = out.x.data<float>();
  for (std::size_t i = 0; i < pixels->size(); ++i) x[i] = lut[(*pixels)[i]];
  out.pixels = {.bytes = std::move(pixels), .storage = out.x.impl().storage};
  return out;
}

TrainTest load_cifar10_folder(const std::filesystem::path& dir) {
  std::filesystem::path folder = batches_folder(dir);
  if (folder.empty()) folder = dir;
  std::string missing;
  std::error_code ec;
  for (const char* name : kCifarFiles)
    if (!std::filesystem::exists(folder / name, ec)) missing += std::string(missing.empty() ? "" : ", ") + name;
  if (!missing.empty())
    throw IOError("CIFAR-10 is not in '" + folder.string() + "': missing " + missing + "; " + fetch_hint(dir));
  std::vector<std::filesystem::path> train_files;
  for (std::size_t i = 0; i + 1 < kCifarFiles.size(); ++i) train_files.push_back(folder / kCifarFiles[i]);
  return {.train = read_cifar10_batches(train_files), .test = read_cifar10_batches({folder / kCifarFiles.back()})};
}

TrainTest load_cifar10(const std::filesystem::path& dir) {
  if (!dir.empty()) return load_cifar10_folder(dir);
  const std::vector<std::filesystem::path> candidates = data_folder_candidates("cifar10");
  for (const auto& c : candidates)
    if (!batches_folder(c).empty()) return load_cifar10_folder(c);
  const std::filesystem::path target = candidates.empty() ? std::filesystem::path("data/cifar10") : candidates.front();
  throw IOError("CIFAR-10 is not installed (looked in " + joined(candidates) + "); " + fetch_hint(target) +
                ", or set DESCENT_DATA_DIR to a folder holding cifar10/");
}

}  // namespace descent
