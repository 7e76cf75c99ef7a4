# Finds a CBLAS: Debian's OpenBLAS, preferring its OpenMP build so that BLAS and our own
# OpenMP loops share one thread pool (two pools on two cores oversubscribe and slow down).
# Defines DescentBLAS::BLAS and DESCENT_BLAS_OPENMP.
set(_descent_blas_dirs
  /usr/lib/x86_64-linux-gnu/openblas-openmp /usr/lib/aarch64-linux-gnu/openblas-openmp
  /usr/lib/x86_64-linux-gnu/openblas-pthread /usr/lib/aarch64-linux-gnu/openblas-pthread)
set(_descent_blas_incs
  /usr/include/x86_64-linux-gnu/openblas-openmp /usr/include/aarch64-linux-gnu/openblas-openmp
  /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/aarch64-linux-gnu/openblas-pthread)
find_library(DESCENT_BLAS_LIBRARY NAMES openblas PATHS ${_descent_blas_dirs} NO_DEFAULT_PATH)
if(NOT DESCENT_BLAS_LIBRARY)
  find_library(DESCENT_BLAS_LIBRARY NAMES openblas)
endif()
find_path(DESCENT_BLAS_INCLUDE_DIR NAMES cblas.h PATHS ${_descent_blas_incs} NO_DEFAULT_PATH)
if(NOT DESCENT_BLAS_INCLUDE_DIR)
  find_path(DESCENT_BLAS_INCLUDE_DIR NAMES cblas.h PATH_SUFFIXES openblas)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(DescentBLAS REQUIRED_VARS DESCENT_BLAS_LIBRARY DESCENT_BLAS_INCLUDE_DIR)
if(DescentBLAS_FOUND AND NOT TARGET DescentBLAS::BLAS)
  add_library(DescentBLAS::BLAS UNKNOWN IMPORTED)
  set_target_properties(DescentBLAS::BLAS PROPERTIES
    IMPORTED_LOCATION ${DESCENT_BLAS_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${DESCENT_BLAS_INCLUDE_DIR})
  if(DESCENT_BLAS_LIBRARY MATCHES "openmp")
    set_property(TARGET DescentBLAS::BLAS APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS DESCENT_BLAS_OPENMP=1)
  endif()
endif()
