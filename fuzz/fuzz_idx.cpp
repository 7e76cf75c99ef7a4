// libFuzzer harness: descent::fuzz::idx (entries.hpp). Run through scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  descent::fuzz::idx({data, size});
  return 0;
}
