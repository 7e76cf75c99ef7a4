// Thread control: one setting for descent's OpenMP loops and for BLAS, so the two never
// run more threads than asked (oversubscription is what makes PyTorch 1.13 slower at 2
// threads than at 1 on this kind of machine).
#pragma once
#include <cstdint>

namespace descent {

// Sets the threads used by elementwise loops, reductions and BLAS. n <= 0 means the default:
// OMP_NUM_THREADS when set, else one per core.
void set_num_threads(int n);
int get_num_threads();

// Loops over fewer elements than this run on one thread: forking costs more than it saves.
inline constexpr int64_t kParallelThreshold = 1 << 15;

}  // namespace descent
