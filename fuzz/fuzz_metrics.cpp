// libFuzzer harness: descent::fuzz::metrics (entries.hpp). Run through scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  descent::fuzz::metrics({data, size});
  return 0;
}
