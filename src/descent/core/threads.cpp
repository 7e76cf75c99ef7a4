// One thread count for OpenMP and OpenBLAS. With Debian's OpenMP build of OpenBLAS both
// share libgomp's pool; with the pthread build, BLAS gets its own count set alike.
#include "descent/core/threads.hpp"

#include <omp.h>

#include <cstdlib>

extern "C" void openblas_set_num_threads(int);

namespace descent {

void set_num_threads(int n) {
  // The default honours OMP_NUM_THREADS (as PyTorch does), else one thread per core.
  if (n <= 0) {
    const char* env = std::getenv("OMP_NUM_THREADS");
    n = env ? std::atoi(env) : 0;
  }
  if (n <= 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace descent
