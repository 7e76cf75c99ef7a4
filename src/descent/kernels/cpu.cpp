// Run-time detection of the instruction sets the hot loops use. An instruction set is usable
// when the CPU has it (cpuid, through GCC's __builtin_cpu_supports) and the operating system
// saves its registers on a context switch (XCR0, read with xgetbv): AVX2 needs the SSE and
// AVX state (YMM), AVX-512 also the opmask and ZMM state (Intel SDM vol. 1, 13.3).
#include "descent/kernels/cpu.hpp"

#include <cpuid.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "descent/core/error.hpp"
#include "descent/kernels/cpu_dispatch.hpp"

namespace descent::kernels {
namespace {

// XCR0, the register state the operating system has enabled; 0 without OSXSAVE.
uint64_t enabled_register_state() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
  uint32_t lo = 0, hi = 0;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

CpuLevel detected_level() {
  __builtin_cpu_init();
  const uint64_t xcr0 = enabled_register_state();
  constexpr uint64_t kYmm = 0x6;   // SSE and AVX state
  constexpr uint64_t kZmm = 0xe6;  // also opmask, upper ZMM0-15 and ZMM16-31
  const bool avx2 = (xcr0 & kYmm) == kYmm && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  const bool avx512 = avx2 && (xcr0 & kZmm) == kZmm && __builtin_cpu_supports("avx512f") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq");
  return avx512 ? CpuLevel::avx512 : avx2 ? CpuLevel::avx2 : CpuLevel::baseline;
}

// The level DESCENT_CPU asks for; ValueError for a name that is not a level, or a level
// this CPU lacks (forcing it would end in an illegal instruction).
CpuLevel requested_level(const std::string& name, CpuLevel available) {
  for (CpuLevel level : {CpuLevel::baseline, CpuLevel::avx2, CpuLevel::avx512}) {
    if (name != cpu_level_name(level)) continue;
    if (level > available)
      throw ValueError("DESCENT_CPU=" + name + " asks for more than this CPU has (at most " +
                       cpu_level_name(available) + "); set a lower level or unset DESCENT_CPU");
    return level;
  }
  throw ValueError("DESCENT_CPU=" + name + " is not an instruction set level; expected avx512, avx2 or baseline");
}

CpuLevel chosen_level() {
  const char* env = std::getenv("DESCENT_CPU");
  return env && *env ? requested_level(env, detected_level()) : detected_level();
}

// The level in force: -1 until the first cpu_level(), then that level or an override's.
std::atomic<int> current_level{-1};

}  // namespace

CpuLevel cpu_level() {
  const int level = current_level.load(std::memory_order_relaxed);
  if (level >= 0) return static_cast<CpuLevel>(level);
  // A throw (a bad DESCENT_CPU) leaves it unset, so every call throws.
  static const CpuLevel chosen = chosen_level();
  current_level.store(static_cast<int>(chosen), std::memory_order_relaxed);
  return chosen;
}

CpuLevelOverride::CpuLevelOverride(CpuLevel level) : previous_(cpu_level()) {
  if (level > detected_level())
    throw ValueError(std::string("CpuLevelOverride: this CPU supports at most ") + cpu_level_name(detected_level()) +
                     ", not " + cpu_level_name(level));
  current_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

CpuLevelOverride::~CpuLevelOverride() { current_level.store(static_cast<int>(previous_), std::memory_order_relaxed); }

const char* cpu_level_name(CpuLevel level) {
  switch (level) {
    case CpuLevel::avx512: return "avx512";
    case CpuLevel::avx2: return "avx2";
    case CpuLevel::baseline: break;
  }
  return "baseline";
}

}  // namespace descent::kernels
