// IDX files, the format MNIST and Fashion-MNIST ship in (LeCun et al., "THE MNIST DATABASE",
// file formats section): a 4-byte magic number 0x0000TTRR (TT the element type, RR the
// number of dims), RR big-endian uint32 sizes, then the elements in row-major order.
// descent reads unsigned-byte files (type 0x08), plain or gzip-compressed.
#pragma once
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace descent {

inline constexpr uint8_t kIdxUnsignedByte = 0x08;

// The content of an IDX file: its dims and its elements.
struct IdxArray {
  std::vector<int64_t> dims;  // e.g. {60000, 28, 28} for MNIST's training images
  std::vector<uint8_t> data;  // product(dims) elements, row-major
};

// Reads a plain or gzip-compressed (detected by its magic bytes 1f 8b) IDX file of unsigned
// bytes. With expected_rank >= 0 the file must have that many dims (1 for labels, 3 for
// images), so a labels file given for images is refused by its magic number. Throws IOError
// for a missing file, a wrong magic number, an unsupported element type, or a size that does
// not match the header.
IdxArray read_idx(const std::filesystem::path& path, int expected_rank = -1);

// Writes an unsigned-byte IDX file, gzip-compressed when `gzip` is set (tests, exports).
void write_idx(const std::filesystem::path& path, std::span<const int64_t> dims, std::span<const uint8_t> data,
               bool gzip = false);

// Reads a whole file, inflating it when it starts with the gzip magic bytes (IDX and CSV files).
std::vector<uint8_t> read_maybe_gzipped(const std::filesystem::path& path);

}  // namespace descent
