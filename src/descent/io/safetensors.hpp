// safetensors (Hugging Face's format, https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header {name: {"dtype", "shape",
// "data_offsets": [begin, end]}, "__metadata__": {string: string}}, padded with spaces to a
// multiple of 8 bytes as the reference implementation does, then the raw little-endian data.
// descent writes F32 and F64 tensors. It reads those, F16 and BF16 (widened to float32), and
// integer and boolean tensors (I8-I64, U8-U64, BOOL, as float64, refusing 64-bit values beyond
// 2^53 that float64 cannot hold exactly). Offsets are relative to the data section.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;  // in file order
using Metadata = std::map<std::string, std::string>;

// Writes the tensors (header and data in the given order) atomically (io/atomic_file.hpp).
// Throws ValueError for a duplicate or reserved name or an undefined tensor, IOError if the
// file cannot be written (the previous file then stays intact).
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors, const Metadata& metadata = {});

struct SafetensorsFile {
  NamedTensors tensors;  // in the order of their data in the file
  Metadata metadata;
};

// Reads and validates a whole file: header length, JSON, dtypes, shapes, and offsets that
// tile the data section exactly (no overlap, no gap, nothing beyond the end), as the
// reference implementation requires. Throws IOError naming the file and the problem.
SafetensorsFile load_safetensors(const std::filesystem::path& path);

}  // namespace descent
