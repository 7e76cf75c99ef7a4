// libFuzzer harness: descent::fuzz::conv_model (entries.hpp). Run through scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>

#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  descent::fuzz::conv_model({data, size});
  return 0;
}
