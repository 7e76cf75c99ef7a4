// CIFAR-10, binary version (Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny
// Images"; the format of https://www.cs.toronto.edu/~kriz/cifar.html): data_batch_1.bin ...
// data_batch_5.bin (50,000 training images) and test_batch.bin (10,000), each a run of
// 3,073-byte records: one label byte (0-9), then 32x32 red, 32x32 green, 32x32 blue pixel bytes.
// Pixels become float32 bytes / 255 (as torchvision's ToTensor), in (3, 32, 32) order per row.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "descent/data/dataset.hpp"

namespace descent {

inline constexpr int64_t kCifarChannels = 3, kCifarSide = 32, kCifarClasses = 10;
inline constexpr int64_t kCifarImageBytes = kCifarChannels * kCifarSide * kCifarSide;  // 3072
inline constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;                     // 3073
inline constexpr const char* kCifar10Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

// The records of these files, in order, as one data set: x (N, 3072) float32 with its bytes
// kept as BytePixels, y (N) labels, item_shape (3, 32, 32). Throws IOError naming the file
// when it cannot be read, is not a whole number of records, or holds a label of 10 or more.
Dataset read_cifar10_batches(const std::vector<std::filesystem::path>& files);

// The six files from `dir`, or from `dir`/cifar-10-batches-bin (the folder the official archive
// unpacks to). Missing files: the error names them, the archive's address and where to put it.
TrainTest load_cifar10_folder(const std::filesystem::path& dir);

// CIFAR-10 from `dir`, or when empty from the first of $DESCENT_DATA_DIR/cifar10 and
// data/cifar10 in the working folder or one of its parents that holds it.
TrainTest load_cifar10(const std::filesystem::path& dir = {});

}  // namespace descent
