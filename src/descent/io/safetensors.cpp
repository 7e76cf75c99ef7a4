// safetensors writing and validated reading, with nlohmann::json for the header.
#include "descent/io/safetensors.hpp"

#include <zlib.h>
#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>

#include "descent/io/atomic_file.hpp"

namespace descent {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so is descent's host");

// The reference implementation refuses headers above 100 MB (safetensors::tensor::MAX_HEADER_SIZE).
constexpr uint64_t kMaxHeaderSize = 100'000'000;

const char* dtype_code(DType d) { return d == DType::f32 ? "F32" : d == DType::f64 ? "F64" : "I64"; }

// IEEE half precision to float: every half is a float exactly.
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign ? -magnitude : magnitude;
  }
  const uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)  // inf, NaN
                                         : sign | ((exponent + 112) << 23) | (mantissa << 13);
  return std::bit_cast<float>(bits);
}

template <class S>
S read_element(const uint8_t* p) {
  S v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Converters from a file's elements to a tensor's: n elements at src into out; `what` and
// `code` name the tensor and its file dtype in errors.
using Converter = void (*)(const uint8_t* src, uint64_t n, Tensor& out, const std::string& what, const char* code);

// F16 (brain = false) or BF16 (brain = true, the top half of a float32) to float32, exactly.
template <bool brain>
void halves_to_float(const uint8_t* src, uint64_t n, Tensor& out, const std::string&, const char*) {
  float* o = out.data<float>();
  for (uint64_t i = 0; i < n; ++i) {
    const uint16_t h = read_element<uint16_t>(src + 2 * i);
    o[i] = brain ? std::bit_cast<float>(static_cast<uint32_t>(h) << 16) : half_to_float(h);
  }
}

// Integers of type S (and booleans, as 0 and 1) to int64, refusing U64 values beyond int64's range.
template <class S>
void integers_to_int64(const uint8_t* src, uint64_t n, Tensor& out, const std::string& what, const char* code) {
  int64_t* o = out.data<int64_t>();
  for (uint64_t i = 0; i < n; ++i) {
    const S v = read_element<S>(src + sizeof(S) * i);
    if constexpr (std::is_same_v<S, uint64_t>)
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw IOError(what + ": element " + std::to_string(i) + " of " + code + " (" + std::to_string(v) +
                      ") is beyond 2^63 - 1, which int64 cannot hold");
    o[i] = static_cast<int64_t>(v);  // NOLINT(bugprone-signed-char-misuse): I8 is signed, -1 stays -1
  }
}

void booleans_to_int64(const uint8_t* src, uint64_t n, Tensor& out, const std::string&, const char*) {
  int64_t* o = out.data<int64_t>();
  for (uint64_t i = 0; i < n; ++i) o[i] = src[i] != 0;
}

// The dtypes a file may hold, and what each becomes: F32, F64 and I64 as stored (no
// converter); 16-bit floats widen to float32 (exactly); the other integers and booleans
// become int64 (exactly; U64 up to 2^63 - 1), as torch.long.
struct FileDType {
  const char* code;
  std::size_t size;  // bytes per element in the file
  DType as;
  Converter convert;  // null: the bytes are the tensor's
};
constexpr FileDType kFileDTypes[] = {{"F32", 4, DType::f32, nullptr},
                                     {"F64", 8, DType::f64, nullptr},
                                     {"F16", 2, DType::f32, &halves_to_float<false>},
                                     {"BF16", 2, DType::f32, &halves_to_float<true>},
                                     {"I64", 8, DType::i64, nullptr},
                                     {"I32", 4, DType::i64, &integers_to_int64<int32_t>},
                                     {"I16", 2, DType::i64, &integers_to_int64<int16_t>},
                                     {"I8", 1, DType::i64, &integers_to_int64<int8_t>},
                                     {"U64", 8, DType::i64, &integers_to_int64<uint64_t>},
                                     {"U32", 4, DType::i64, &integers_to_int64<uint32_t>},
                                     {"U16", 2, DType::i64, &integers_to_int64<uint16_t>},
                                     {"U8", 1, DType::i64, &integers_to_int64<uint8_t>},
                                     {"BOOL", 1, DType::i64, &booleans_to_int64}};

const FileDType* find_file_dtype(const std::string& code) {
  for (const FileDType& d : kFileDTypes)
    if (code == d.code) return &d;
  return nullptr;
}

std::string file_dtype_list() {
  std::string out;
  for (const FileDType& d : kFileDTypes) out += std::string(out.empty() ? "" : ", ") + d.code;
  return out;
}

std::vector<uint8_t> read_all(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw IOError("cannot open safetensors file '" + path.string() + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(size);
  uint8_t chunk[1 << 16];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f.get())) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
  if (std::ferror(f.get()))
    throw IOError("cannot read safetensors file '" + path.string() + "': " + std::strerror(errno));
  return bytes;
}

// The 8-byte little-endian length of the JSON header, checked against the file's size.
uint64_t read_header_size(const std::vector<uint8_t>& bytes, const std::string& where) {
  if (bytes.size() < 8)
    throw IOError(where + " is truncated: " + std::to_string(bytes.size()) +
                  " bytes, expected at least the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  if (n > kMaxHeaderSize)
    throw IOError(where + " declares a " + std::to_string(n) + "-byte header, more than the " +
                  std::to_string(kMaxHeaderSize) + " bytes allowed: not a safetensors file, or corrupt");
  if (n > bytes.size() - 8)
    throw IOError(where + " declares a " + std::to_string(n) + "-byte header but only " +
                  std::to_string(bytes.size() - 8) + " bytes follow the header length: the file is truncated");
  if (n < 2 || bytes[8] != '{')
    throw IOError(where + ": the header does not start with '{': not a safetensors file, or corrupt");
  return n;
}

nlohmann::json parse_header(const std::vector<uint8_t>& bytes, uint64_t header_size, const std::string& where) {
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  } catch (const nlohmann::json::exception& e) {
    throw IOError(where + ": the header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) throw IOError(where + ": the header is not a JSON object");
  return header;
}

Metadata read_metadata(const nlohmann::json& info, const std::string& where) {
  if (!info.is_object()) throw IOError(where + ": __metadata__ is not a JSON object of strings");
  Metadata metadata;
  for (const auto& [key, value] : info.items()) {
    if (!value.is_string()) throw IOError(where + ": __metadata__ value of '" + key + "' is not a string");
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// One tensor's header entry: its dtype, its shape and where its bytes lie in the data section.
struct TensorEntry {
  std::string name;
  const FileDType* dtype;
  Shape shape;
  uint64_t begin, end;
};

// The sizes of a header's "shape", refusing more than kMaxDims dims and more than 2^62 elements;
// `numel` receives their product.
Shape read_shape(const nlohmann::json& shape, const std::string& what, uint64_t& numel) {
  if (!shape.is_array() || shape.size() > static_cast<std::size_t>(kMaxDims))
    throw IOError(what + ": shape must be an array of at most " + std::to_string(kMaxDims) + " sizes, got " +
                  shape.dump());
  Shape sizes;
  numel = 1;
  for (const auto& d : shape) {
    if (!d.is_number_unsigned())
      throw IOError(what + ": shape " + shape.dump() + " holds a size that is not a non-negative integer");
    const uint64_t v = d.get<uint64_t>();
    if (v > (uint64_t{1} << 62) || (v && numel > (uint64_t{1} << 62) / v))
      throw IOError(what + ": shape " + shape.dump() + " is too large");
    numel *= v;
    sizes.push_back(static_cast<int64_t>(v));
  }
  return sizes;
}

TensorEntry read_entry(const std::string& name, const nlohmann::json& info, uint64_t data_size,
                       const std::string& where) {
  const std::string what = where + ": tensor '" + name + "'";
  if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
    throw IOError(what + " needs \"dtype\", \"shape\" and \"data_offsets\" in the header");
  const nlohmann::json& dtype = info["dtype"];
  const nlohmann::json& shape = info["shape"];
  const nlohmann::json& offsets = info["data_offsets"];
  if (!dtype.is_string()) throw IOError(what + ": dtype is not a string");
  const std::string code = dtype.get<std::string>();
  const FileDType* file_dtype = find_file_dtype(code);
  if (!file_dtype) throw IOError(what + " has dtype '" + code + "'; descent reads " + file_dtype_list());
  TensorEntry e{.name = name, .dtype = file_dtype, .shape = {}, .begin = 0, .end = 0};
  uint64_t numel = 0;
  e.shape = read_shape(shape, what, numel);
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw IOError(what + ": data_offsets must be [begin, end] with non-negative integers, got " + offsets.dump());
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.end < e.begin) throw IOError(what + ": data_offsets " + offsets.dump() + " end before they begin");
  if (e.end > data_size)
    throw IOError(what + ": data_offsets " + offsets.dump() + " reach beyond the data section of " +
                  std::to_string(data_size) + " bytes: the file is truncated or corrupt");
  if (e.end - e.begin != numel * e.dtype->size)
    throw IOError(what + ": shape " + shape.dump() + " of " + code + " needs " + std::to_string(numel * e.dtype->size) +
                  " bytes but data_offsets " + offsets.dump() + " span " + std::to_string(e.end - e.begin));
  return e;
}

// The tensors must tile the data section: sorted by offset, each begins where the last ended.
// Sorts `entries` by offset.
void check_tiling(std::vector<TensorEntry>& entries, uint64_t data_size, const std::string& where) {
  std::sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expected = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const TensorEntry& e = entries[i];
    if (e.begin < expected)
      throw IOError(where + ": the data of tensors '" + entries[i - 1].name + "' and '" + e.name + "' overlap (bytes " +
                    std::to_string(e.begin) + " to " + std::to_string(expected) + ")");
    if (e.begin > expected)
      throw IOError(where + ": bytes " + std::to_string(expected) + " to " + std::to_string(e.begin) +
                    " of the data section belong to no tensor (before '" + e.name + "')");
    expected = e.end;
  }
  if (expected != data_size)
    throw IOError(where + ": the tensors cover " + std::to_string(expected) +
                  " bytes of data but the data section has " + std::to_string(data_size) + " bytes");
}

// One tensor from its bytes in the data section: copied as stored, or converted to its dtype.
Tensor read_tensor(const TensorEntry& entry, const uint8_t* data, const std::string& where) {
  Tensor t = Tensor::empty(entry.shape, entry.dtype->as);
  if (entry.end > entry.begin && !entry.dtype->convert)
    std::memcpy(t.impl().storage->data(), data + entry.begin, entry.end - entry.begin);
  else if (entry.end > entry.begin)
    entry.dtype->convert(data + entry.begin, (entry.end - entry.begin) / entry.dtype->size, t,
                         where + ": tensor '" + entry.name + "'", entry.dtype->code);
  return t;
}

std::string crc32_hex(const void* bytes, uint64_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* p = static_cast<const Bytef*>(bytes);
  for (uint64_t done = 0; done < size;) {  // zlib takes at most a uInt at a time
    const auto chunk = static_cast<uInt>(std::min<uint64_t>(size - done, 1u << 30));
    crc = crc32(crc, p + done, chunk);
    done += chunk;
  }
  char text[9];
  std::snprintf(text, sizeof text, "%08lx", static_cast<unsigned long>(crc));
  return text;
}

// Checks each tensor's bytes against the checksums in the metadata, when there are any.
bool verify_checksums(const Metadata& metadata, const std::vector<TensorEntry>& entries, const uint8_t* data,
                      const std::string& where) {
  const auto it = metadata.find(kChecksumsKey);
  if (it == metadata.end()) return false;
  nlohmann::json sums;
  try {
    sums = nlohmann::json::parse(it->second);
  } catch (const nlohmann::json::exception&) {
    throw IOError(where + ": __metadata__ " + kChecksumsKey + " is not valid JSON; the header is damaged");
  }
  for (const TensorEntry& entry : entries) {
    const std::string actual = crc32_hex(data + entry.begin, entry.end - entry.begin);
    if (!sums.is_object() || !sums.contains(entry.name) || sums[entry.name] != actual)
      throw IOError(where + ": tensor '" + entry.name + "' is damaged (its data does not match the checksum " +
                    "saved with it)");
  }
  return true;
}

}  // namespace

Metadata with_checksums(const NamedTensors& tensors, Metadata metadata) {
  nlohmann::ordered_json sums = nlohmann::ordered_json::object();
  for (const auto& [name, tensor] : tensors) {
    const Tensor t = tensor.detach().contiguous();
    sums[name] = crc32_hex(static_cast<const char*>(t.impl().storage->data()) + t.offset() * dtype_size(t.dtype()),
                           static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype()));
  }
  metadata[kFormatVersionKey] = kFormatVersion;
  metadata[kChecksumsKey] = sums.dump();
  return metadata;
}

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors, const Metadata& metadata) {
  const std::string where = "save_safetensors('" + path.string() + "')";
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<Tensor> data;  // contiguous, in file order
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw ValueError(where + ": '__metadata__' is reserved and cannot name a tensor");
    if (!names.insert(name).second) throw ValueError(where + ": two tensors are named '" + name + "'");
    if (!tensor.defined()) throw ValueError(where + ": tensor '" + name + "' is undefined");
    Tensor t = tensor.detach().contiguous();
    const uint64_t nbytes = static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype());
    header[name] = {{"dtype", dtype_code(t.dtype())},
                    {"shape", std::vector<int64_t>(t.shape().begin(), t.shape().end())},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    data.push_back(std::move(t));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // pad with spaces to a multiple of 8, as the reference
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(static_cast<uint64_t>(json.size()) >> (8 * i));

  AtomicFile file(path);
  file.write(length, sizeof length);
  file.write(json);
  for (const Tensor& t : data)
    file.write(static_cast<const char*>(t.impl().storage->data()) + t.offset() * dtype_size(t.dtype()),
               static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype()));
  file.commit();
}

SafetensorsFile load_safetensors(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_all(path);
  const std::string where = "safetensors file '" + path.string() + "'";
  const uint64_t header_size = read_header_size(bytes, where);
  const nlohmann::json header = parse_header(bytes, header_size, where);
  const uint8_t* data = bytes.data() + 8 + header_size;
  const uint64_t data_size = bytes.size() - 8 - header_size;

  SafetensorsFile out;
  std::vector<TensorEntry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__")
      out.metadata = read_metadata(info, where);
    else
      entries.push_back(read_entry(name, info, data_size, where));
  }
  check_tiling(entries, data_size, where);
  out.checksummed = verify_checksums(out.metadata, entries, data, where);
  for (const TensorEntry& entry : entries) out.tensors.emplace_back(entry.name, read_tensor(entry, data, where));
  return out;
}

}  // namespace descent
