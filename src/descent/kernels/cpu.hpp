// The instruction sets the hot loops may use: found at run time (cpuid), and lowered by the
// environment variable DESCENT_CPU=avx512|avx2|baseline (as OpenBLAS's OPENBLAS_CORETYPE and
// oneDNN's ONEDNN_MAX_CPU_ISA do).
#pragma once

namespace descent::kernels {

enum class CpuLevel { baseline, avx2, avx512 };

CpuLevel cpu_level();                        // what this CPU supports, capped by DESCENT_CPU; read once, then cached
const char* cpu_level_name(CpuLevel level);  // "baseline", "avx2", "avx512"

}  // namespace descent::kernels
