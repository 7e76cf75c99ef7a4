// safetensors (Hugging Face's format, https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header {name: {"dtype", "shape",
// "data_offsets": [begin, end]}, "__metadata__": {string: string}}, padded with spaces to a
// multiple of 8 bytes as the reference implementation does, then the raw little-endian data.
// descent writes F32, F64 and I64 tensors. It reads those, F16 and BF16 (widened to float32), and
// the other integer and boolean tensors (I8-I32, U8-U64, BOOL, as int64, refusing U64 values
// beyond 2^63 - 1). Offsets are relative to the data section.
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

// The weights descent keeps (best.safetensors) carry in their metadata a format version and a
// CRC-32 (zlib's crc32) of each tensor's bytes as saved, a JSON object {name: "8 hex digits"}.
inline constexpr const char* kFormatVersionKey = "descent_format";
inline constexpr const char* kChecksumsKey = "descent_checksums";
inline constexpr const char* kFormatVersion = "1";

// `metadata` with the format version and the checksums of `tensors` added.
Metadata with_checksums(const NamedTensors& tensors, Metadata metadata);

struct SafetensorsFile {
  NamedTensors tensors;  // in the order of their data in the file
  Metadata metadata;
  bool checksummed = false;  // the metadata held checksums, and every tensor matched its own
};

// Reads and validates a whole file: header length, JSON, dtypes, shapes, and offsets that
// tile the data section exactly (no overlap, no gap, nothing beyond the end), as the
// reference implementation requires; with checksums in the metadata, each tensor's bytes
// against its own. Throws IOError naming the file and the problem (the damaged tensor).
SafetensorsFile load_safetensors(const std::filesystem::path& path);

}  // namespace descent
