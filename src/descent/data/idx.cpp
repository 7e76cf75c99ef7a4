// IDX reading and writing, with zlib for the gzip-compressed files Fashion-MNIST ships.
#include "descent/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "descent/core/error.hpp"

namespace descent {
namespace {

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void append_be32(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw IOError("cannot open '" + path.string() + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(path, ec); !ec) bytes.reserve(size);
  uint8_t chunk[1 << 16];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  if (std::ferror(f.get())) throw IOError("cannot read '" + path.string() + "': " + std::strerror(errno));
  return bytes;
}

// Inflates a gzip stream (possibly several concatenated members, as `cat a.gz b.gz`).
std::vector<uint8_t> gunzip(const std::vector<uint8_t>& in, const std::filesystem::path& path) {
  std::vector<uint8_t> out;
  // The last 4 bytes of a member hold its uncompressed size mod 2^32: a good first guess, unless
  // it is more than deflate can expand these bytes to (1032:1, zlib's technical details), as
  // in a corrupt file, which must not reserve gigabytes.
  constexpr std::size_t kMaxDeflateRatio = 1032;
  if (in.size() >= 18)
    out.reserve(std::min(in.size() * kMaxDeflateRatio, in[in.size() - 4] | (in[in.size() - 3] << 8) |
                                                           (in[in.size() - 2] << 16) |
                                                           (std::size_t{in[in.size() - 1]} << 24)));
  z_stream s{};
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
    throw IOError("zlib: cannot initialize inflate for '" + path.string() + "'");
  s.next_in = const_cast<Bytef*>(in.data());
  s.avail_in = static_cast<uInt>(in.size());
  uint8_t chunk[1 << 16];
  int rc = Z_OK;
  while (true) {
    s.next_out = chunk;
    s.avail_out = sizeof chunk;
    rc = inflate(&s, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (sizeof chunk - s.avail_out));
    if (rc == Z_STREAM_END) {
      if (s.avail_in == 0) break;
      inflateReset(&s);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) break;
    if (s.avail_in == 0 && s.avail_out != 0) {  // input exhausted before the stream's end
      rc = Z_BUF_ERROR;
      break;
    }
  }
  const std::string msg = s.msg ? s.msg : "";
  inflateEnd(&s);
  if (rc == Z_BUF_ERROR)
    throw IOError("'" + path.string() + "' is a truncated gzip file: the compressed stream ends after " +
                  std::to_string(in.size()) + " bytes (" + std::to_string(out.size()) + " bytes inflated)");
  if (rc != Z_STREAM_END)
    throw IOError("'" + path.string() +
                  "' is a corrupt gzip file: " + (msg.empty() ? "zlib error " + std::to_string(rc) : msg));
  return out;
}

}  // namespace

std::vector<uint8_t> read_maybe_gzipped(const std::filesystem::path& path) {
  std::vector<uint8_t> bytes = read_file(path);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) return gunzip(bytes, path);
  return bytes;
}

IdxArray read_idx(const std::filesystem::path& path, int expected_rank) {
  std::vector<uint8_t> bytes = read_maybe_gzipped(path);
  const std::string where = "IDX file '" + path.string() + "'";
  if (bytes.size() < 4)
    throw IOError(where + " is truncated: " + std::to_string(bytes.size()) +
                  " bytes, expected at least the 4-byte magic number");

  const uint32_t magic = read_be32(bytes.data());
  const uint8_t type = bytes[2];
  const int rank = bytes[3];
  const std::string expected_magic =
      expected_rank >= 0 ? hex32((uint32_t{kIdxUnsignedByte} << 8) | static_cast<uint32_t>(expected_rank))
                         : "0x000008RR (RR = number of dims)";
  if (bytes[0] != 0 || bytes[1] != 0 || rank == 0)
    throw IOError(where + " has magic number " + hex32(magic) + ", expected " + expected_magic +
                  ": this is not an IDX file");
  if (type != kIdxUnsignedByte)
    throw IOError(where + " has element type code " + hex32(type).substr(8) + " (magic number " + hex32(magic) +
                  "); descent reads only unsigned bytes (type code 08)");
  if (expected_rank >= 0 && rank != expected_rank)
    throw IOError(where + " has magic number " + hex32(magic) + " (" + std::to_string(rank) + " dims), expected " +
                  expected_magic + " (" + std::to_string(expected_rank) + " dims)");

  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  if (bytes.size() < header)
    throw IOError(where + " is truncated: " + std::to_string(bytes.size()) + " bytes, expected at least the " +
                  std::to_string(header) + "-byte header of a " + std::to_string(rank) + "-dim IDX file");
  IdxArray out;
  uint64_t count = 1;
  std::ostringstream dims_text;
  for (int i = 0; i < rank; ++i) {
    const uint32_t d = read_be32(bytes.data() + 4 + 4 * static_cast<std::size_t>(i));
    out.dims.push_back(d);
    count *= d;
    dims_text << (i ? " x " : "") << d;
  }
  const uint64_t expected = header + count;
  if (bytes.size() != expected)
    throw IOError(where + " has " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expected) +
                  " (a " + std::to_string(header) + "-byte header and " + dims_text.str() + " = " +
                  std::to_string(count) + " bytes of data): the file is " +
                  (bytes.size() < expected ? "truncated" : "longer than its header says"));
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  out.data = std::move(bytes);
  return out;
}

void write_idx(const std::filesystem::path& path, std::span<const int64_t> dims, std::span<const uint8_t> data,
               bool gzip) {
  if (dims.empty() || dims.size() > 255)
    throw ValueError("write_idx: an IDX file has 1 to 255 dims, got " + std::to_string(dims.size()));
  uint64_t count = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > UINT32_MAX)
      throw ValueError("write_idx: dim size " + std::to_string(d) + " does not fit in uint32");
    count *= static_cast<uint64_t>(d);
  }
  if (count != data.size())
    throw ValueError("write_idx: dims hold " + std::to_string(count) + " elements but " + std::to_string(data.size()) +
                     " bytes were given");
  std::vector<uint8_t> raw{0, 0, kIdxUnsignedByte, static_cast<uint8_t>(dims.size())};
  for (int64_t d : dims) append_be32(raw, static_cast<uint32_t>(d));
  raw.insert(raw.end(), data.begin(), data.end());

  std::vector<uint8_t> out;
  if (gzip) {
    z_stream s{};
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw IOError("zlib: cannot initialize deflate for '" + path.string() + "'");
    out.resize(deflateBound(&s, static_cast<uLong>(raw.size())));
    s.next_in = raw.data();
    s.avail_in = static_cast<uInt>(raw.size());
    s.next_out = out.data();
    s.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&s, Z_FINISH);
    out.resize(s.total_out);
    deflateEnd(&s);
    if (rc != Z_STREAM_END) throw IOError("zlib: cannot compress '" + path.string() + "'");
  } else {
    out = std::move(raw);
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw IOError("cannot create '" + path.string() + "': " + std::strerror(errno));
  f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));
  f.close();
  if (!f) throw IOError("cannot write '" + path.string() + "': " + std::strerror(errno));
}

}  // namespace descent
