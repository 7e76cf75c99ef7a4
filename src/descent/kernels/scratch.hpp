// Scratch memory for a kernel call, from the tensor allocator: a block of the same size is
// recycled from the previous call (no page faults, no zeroing).
#pragma once
#include <cstddef>
#include <cstdint>

#include "descent/core/allocator.hpp"

namespace descent::kernels {

template <class T>
class ScratchBuffer {
 public:
  explicit ScratchBuffer(int64_t elements)
      : bytes_(static_cast<std::size_t>(elements) * sizeof(T)), data_(static_cast<T*>(allocate_storage(bytes_))) {}
  ~ScratchBuffer() { free_storage(data_, bytes_); }
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  T* data() const { return data_; }

 private:
  std::size_t bytes_;
  T* data_;
};

}  // namespace descent::kernels
