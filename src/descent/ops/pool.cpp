// max_pool2d, avg_pool2d and adaptive_avg_pool2d, as torch.nn.functional's (their windows
// and tie rules follow ATen's CPU kernels, MaxPoolKernel.cpp, AvgPoolKernel.cpp and
// AdaptiveAvgPoolKernel.cpp), forward beside backward. Each (image, channel) plane is pooled
// on its own; planes are split over threads in fixed ranges, so results do not depend on the
// thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/ops/conv.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

namespace {

// Where a pooling op reads and writes: `planes` (N C) planes of in_h x in_w pooled to
// out_h x out_w.
struct PoolGeometry {
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  Pair kernel = 1, stride = 1, pad = 0, dilation = 1;
};

// fn(first plane, end plane) over all planes, split over threads when the work pays for it.
template <class Fn>
void for_planes(const PoolGeometry& g, int64_t work_per_plane, Fn&& fn) {
  kernels::parallel_ranges(g.planes, 1, g.planes * work_per_plane, kParallelThreshold, fn);
}

// The shape of x with its last two dims replaced by (h, w).
Shape with_plane(const Shape& shape, int64_t h, int64_t w) {
  Shape s = shape;
  s[s.rank() - 2] = h;
  s[s.rank() - 1] = w;
  return s;
}

// torch's pooling_output_shape: floor, or ceil where the last window still starts inside the
// input or its left padding.
int64_t pooled_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (span >= 0 ? span / stride : -((-span + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

PoolGeometry pool_geometry(const char* op, const Tensor& x, Pair kernel, std::optional<Pair> stride_in, Pair pad,
                           Pair dilation, bool ceil_mode) {
  const std::string name = op;
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError(name + ": expected input (N, C, H, W) or (C, H, W), got shape " + x.shape().str());
  const Pair stride = stride_in.value_or(kernel);
  if (kernel.h <= 0 || kernel.w <= 0) throw ValueError(name + ": kernel_size must be positive, got " + kernel.str());
  if (stride.h <= 0 || stride.w <= 0) throw ValueError(name + ": stride must be positive, got " + stride.str());
  if (dilation.h <= 0 || dilation.w <= 0) throw ValueError(name + ": dilation must be positive, got " + dilation.str());
  if (pad.h < 0 || pad.w < 0 || pad.h > kernel.h / 2 || pad.w > kernel.w / 2)
    throw ValueError(name + ": padding " + pad.str() + " must be between 0 and half the kernel size " + kernel.str());
  PoolGeometry g{.planes = x.numel() == 0 ? 0 : x.numel() / (x.shape()[x.dim() - 2] * x.shape()[x.dim() - 1]),
                 .in_h = x.shape()[x.dim() - 2],
                 .in_w = x.shape()[x.dim() - 1],
                 .kernel = kernel,
                 .stride = stride,
                 .pad = pad,
                 .dilation = dilation};
  g.out_h = pooled_size(g.in_h, kernel.h, stride.h, pad.h, dilation.h, ceil_mode);
  g.out_w = pooled_size(g.in_w, kernel.w, stride.w, pad.w, dilation.w, ceil_mode);
  if (g.out_h <= 0 || g.out_w <= 0)
    throw ShapeError(name + ": kernel " + kernel.str() + " (dilation " + dilation.str() +
                     ") is larger than the padded input " + std::to_string(g.in_h + 2 * pad.h) + "x" +
                     std::to_string(g.in_w + 2 * pad.w) + " (input " + x.shape().str() + ", padding " + pad.str() +
                     ")");
  return g;
}

// The first in-bounds index of a window starting at `start`, stepping by `dilation`.
int64_t first_inside(int64_t start, int64_t dilation) {
  while (start < 0) start += dilation;
  return start;
}

// As ATen: a window's maximum starts from -inf at its first element; a larger value or a NaN
// takes over, in row-major order. Written as selects, so that a loop over windows calling it
// is vectorized.
template <class T, class Index>
inline void take_if_larger(T v, Index index, T& best, Index& best_index) {
  const bool larger = v > best || v != v;  // v != v: NaN
  best = larger ? v : best;
  best_index = larger ? index : best_index;
}

// The maxima of one plane and the index of each within the plane.
template <class T>
void max_pool_plane(const T* plane, const PoolGeometry& g, T* maxima, int64_t* where) {
  for (int64_t oh = 0; oh < g.out_h; ++oh) {
    const int64_t h0 = first_inside(oh * g.stride.h - g.pad.h, g.dilation.h);
    const int64_t h1 = std::min(oh * g.stride.h - g.pad.h + (g.kernel.h - 1) * g.dilation.h + 1, g.in_h);
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const int64_t w0 = first_inside(ow * g.stride.w - g.pad.w, g.dilation.w);
      const int64_t w1 = std::min(ow * g.stride.w - g.pad.w + (g.kernel.w - 1) * g.dilation.w + 1, g.in_w);
      int64_t best_index = h0 * g.in_w + w0;
      T best = -std::numeric_limits<T>::infinity();
      for (int64_t ih = h0; ih < h1; ih += g.dilation.h)
        for (int64_t iw = w0; iw < w1; iw += g.dilation.w)
          take_if_larger(plane[ih * g.in_w + iw], ih * g.in_w + iw, best, best_index);
      maxima[oh * g.out_w + ow] = best;
      where[oh * g.out_w + ow] = best_index;
    }
  }
}

// 2x2 windows at stride 2, no padding or dilation (LeNet's, 2c2d's): every window whole.
bool is_two_by_two(const PoolGeometry& g) {
  return g.kernel == Pair(2) && g.stride == Pair(2) && g.pad == Pair(0) && g.dilation == Pair(1) &&
         2 * g.out_h <= g.in_h && 2 * g.out_w <= g.in_w && g.in_h * g.in_w < (int64_t{1} << 30);
}

// The index in its plane of each 2x2 window's first element, in output order.
std::vector<int32_t> window_corners(const PoolGeometry& g) {
  std::vector<int32_t> corners(static_cast<std::size_t>(g.out_h * g.out_w));
  for (int64_t oh = 0; oh < g.out_h; ++oh)
    for (int64_t ow = 0; ow < g.out_w; ++ow)
      corners[static_cast<std::size_t>(oh * g.out_w + ow)] = static_cast<int32_t>(2 * oh * g.in_w + 2 * ow);
  return corners;
}

// Branch-free, and vectorized over all the windows of `count` planes (gathering their
// elements through `corners`): the comparisons of random data are unpredictable, and rows of 5
// or 14 windows (LeNet's) are too short to vectorize alone.
template <class T>
void max_pool_planes_2x2(const T* planes, int64_t count, const PoolGeometry& g, const int32_t* corners, T* maxima,
                         int64_t* where) {
  const int64_t windows = g.out_h * g.out_w, in_plane = g.in_h * g.in_w, below = g.in_w;
  kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    for (int64_t p = 0; p < count; ++p) {
      const T* __restrict plane = planes + p * in_plane;
      T* __restrict out = maxima + p * windows;
      int64_t* __restrict at_out = where + p * windows;
#pragma omp simd
      for (int64_t w = 0; w < windows; ++w) {
        const int32_t corner = corners[w];
        // The window's first element always takes over from -inf (or equals it); a later one
        // when it is larger or NaN.
        T best = plane[corner];
        int32_t at = corner;
        const int32_t places[3] = {corner + 1, static_cast<int32_t>(corner + below),
                                   static_cast<int32_t>(corner + below + 1)};
        for (int k = 0; k < 3; ++k) take_if_larger(plane[places[k]], places[k], best, at);
        out[w] = best;
        at_out[w] = at;
      }
    }
  });
}

}  // namespace

Tensor max_pool2d(const Tensor& x_in, Pair kernel_size, std::optional<Pair> stride, Pair padding, Pair dilation,
                  bool ceil_mode) {
  const PoolGeometry g = pool_geometry("max_pool2d", x_in, kernel_size, stride, padding, dilation, ceil_mode);
  const Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(with_plane(x.shape(), g.out_h, g.out_w), x.dtype());
  // Index of each output's maximum within its plane, for the backward.
  auto argmax = std::make_shared<std::vector<int64_t>>(static_cast<std::size_t>(out.numel()));
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    const bool two_by_two = is_two_by_two(g);
    const std::vector<int32_t> corners = two_by_two ? window_corners(g) : std::vector<int32_t>();
    for_planes(g, g.out_h * g.out_w * g.kernel.h * g.kernel.w, [&](int64_t begin, int64_t end) {
      const int64_t in_plane = g.in_h * g.in_w, windows = g.out_h * g.out_w;
      if (two_by_two)
        return max_pool_planes_2x2(px + begin * in_plane, end - begin, g, corners.data(), po + begin * windows,
                                   argmax->data() + begin * windows);
      for (int64_t p = begin; p < end; ++p)
        max_pool_plane(px + p * in_plane, g, po + p * windows, argmax->data() + p * windows);
    });
  });
  if (!any_requires_grad({x_in})) return out;
  return record(out, "max_pool2d", {x_in}, [argmax, g, shape = x.shape()](Node& node, const Tensor& grad) {
    // dx[argmax] += dy, plane by plane, each plane zeroed by the thread that fills it (one
    // pass over dx, split over threads, instead of a serial memset before the scatter).
    const Tensor dy = grad.contiguous();
    Tensor dx = Tensor::empty(shape, dy.dtype());
    dispatch(dy.dtype(), [&]<class T>() {
      const T* pg = dy.data<T>();
      T* pd = dx.data<T>();
      for_planes(g, g.in_h * g.in_w, [&](int64_t begin, int64_t end) {
        std::fill(pd + begin * g.in_h * g.in_w, pd + end * g.in_h * g.in_w, T(0));
        for (int64_t p = begin; p < end; ++p)
          for (int64_t o = p * g.out_h * g.out_w; o < (p + 1) * g.out_h * g.out_w; ++o)
            pd[p * g.in_h * g.in_w + (*argmax)[static_cast<std::size_t>(o)]] += pg[o];
      });
    });
    node.accumulate(0, dx);
  });
}

namespace {

// One output's window [h0, h1) x [w0, w1) of its plane, and what its sum is divided by.
struct Window {
  int64_t h0, h1, w0, w1, divisor;
};
using WindowFn = std::function<Window(int64_t oh, int64_t ow)>;

// fn(plane p, the flat index o of output (p, oh, ow), window(oh, ow)) for every output, plane
// by plane, the planes split over threads.
template <class Fn>
void for_each_window(const PoolGeometry& g, const WindowFn& window, Fn&& fn) {
  for_planes(g, g.out_h * g.out_w * g.kernel.h * g.kernel.w, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p)
      for (int64_t oh = 0; oh < g.out_h; ++oh)
        for (int64_t ow = 0; ow < g.out_w; ++ow) fn(p, (p * g.out_h + oh) * g.out_w + ow, window(oh, ow));
  });
}

// out[p, oh, ow] = sum of x over window(oh, ow) / divisor, plane by plane.
Tensor average_windows(const Tensor& x_in, const PoolGeometry& g, const WindowFn& window) {
  const Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(with_plane(x.shape(), g.out_h, g.out_w), x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* po = out.data<T>();
    for_each_window(g, window, [&](int64_t p, int64_t o, const Window& w) {
      T total = 0;
      for (int64_t ih = w.h0; ih < w.h1; ++ih)
        for (int64_t iw = w.w0; iw < w.w1; ++iw) total += px[(p * g.in_h + ih) * g.in_w + iw];
      po[o] = w.divisor > 0 ? total / static_cast<T>(w.divisor) : T(0);
    });
  });
  return out;
}

// The backward of average_windows: each output's gradient / divisor to every element of its window.
Tensor spread_windows(const Tensor& grad, const Shape& in_shape, const PoolGeometry& g, const WindowFn& window) {
  const Tensor dy = grad.contiguous();
  Tensor dx = Tensor::zeros(in_shape, dy.dtype());
  dispatch(dy.dtype(), [&]<class T>() {
    const T* pg = dy.data<T>();
    T* pd = dx.data<T>();
    for_each_window(g, window, [&](int64_t p, int64_t o, const Window& w) {
      if (w.divisor <= 0) return;
      const T share = pg[o] / static_cast<T>(w.divisor);
      for (int64_t ih = w.h0; ih < w.h1; ++ih)
        for (int64_t iw = w.w0; iw < w.w1; ++iw) pd[(p * g.in_h + ih) * g.in_w + iw] += share;
    });
  });
  return dx;
}

Tensor pool_by_windows(const char* name, const Tensor& x, const PoolGeometry& g, const WindowFn& window) {
  Tensor out = average_windows(x, g, window);
  if (!any_requires_grad({x})) return out;
  return record(out, name, {x}, [g, window, shape = x.shape()](Node& node, const Tensor& dy) {
    node.accumulate(0, spread_windows(dy, shape, g, window));
  });
}

}  // namespace

Tensor avg_pool2d(const Tensor& x, Pair kernel_size, std::optional<Pair> stride, Pair padding, bool ceil_mode,
                  bool count_include_pad) {
  const PoolGeometry g = pool_geometry("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode);
  // ATen's window: clipped to the padded input for the divisor with padding, then to the input.
  auto window = [g, count_include_pad](int64_t oh, int64_t ow) {
    int64_t h0 = oh * g.stride.h - g.pad.h, w0 = ow * g.stride.w - g.pad.w;
    int64_t h1 = std::min(h0 + g.kernel.h, g.in_h + g.pad.h), w1 = std::min(w0 + g.kernel.w, g.in_w + g.pad.w);
    const int64_t padded_size = (h1 - h0) * (w1 - w0);
    h0 = std::max<int64_t>(h0, 0);
    w0 = std::max<int64_t>(w0, 0);
    h1 = std::min(h1, g.in_h);
    w1 = std::min(w1, g.in_w);
    if (h0 >= h1 || w0 >= w1) return Window{0, 0, 0, 0, 0};
    return Window{h0, h1, w0, w1, count_include_pad ? padded_size : (h1 - h0) * (w1 - w0)};
  };
  return pool_by_windows("avg_pool2d", x, g, window);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size) {
  if (x.dim() != 3 && x.dim() != 4)
    throw ShapeError("adaptive_avg_pool2d: expected input (N, C, H, W) or (C, H, W), got shape " + x.shape().str());
  if (output_size.h <= 0 || output_size.w <= 0)
    throw ValueError("adaptive_avg_pool2d: output_size must be positive, got " + output_size.str());
  const int64_t in_h = x.shape()[x.dim() - 2], in_w = x.shape()[x.dim() - 1];
  if (in_h == 0 || in_w == 0) throw ShapeError("adaptive_avg_pool2d: input " + x.shape().str() + " has an empty plane");
  // A window's largest extent bounds the work per output: ceil(H / out_h) + 1 rows.
  const PoolGeometry g{.planes = x.numel() / (in_h * in_w),
                       .in_h = in_h,
                       .in_w = in_w,
                       .out_h = output_size.h,
                       .out_w = output_size.w,
                       .kernel = {in_h / output_size.h + 2, in_w / output_size.w + 2}};
  auto window = [g](int64_t oh, int64_t ow) {
    const int64_t h0 = oh * g.in_h / g.out_h, h1 = ((oh + 1) * g.in_h + g.out_h - 1) / g.out_h;
    const int64_t w0 = ow * g.in_w / g.out_w, w1 = ((ow + 1) * g.in_w + g.out_w - 1) / g.out_w;
    return Window{h0, h1, w0, w1, (h1 - h0) * (w1 - w0)};
  };
  return pool_by_windows("adaptive_avg_pool2d", x, g, window);
}

}  // namespace descent
