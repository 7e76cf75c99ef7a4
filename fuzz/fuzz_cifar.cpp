// libFuzzer harness: descent::fuzz::cifar (entries.hpp). Run through scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  descent::fuzz::cifar({data, size});
  return 0;
}
