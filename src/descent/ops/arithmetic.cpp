// Broadcasting arithmetic, forward beside backward. Each backward sends the gradient to
// the inputs that need it; Node::accumulate sums broadcast dims back to the input's shape.
#include "descent/ops/ops.hpp"
#include "descent/ops/pointwise.hpp"
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  if (a.dtype() != b.dtype())
    throw ShapeError(std::string(op) + ": dtypes differ (" + std::string(dtype_name(a.dtype())) + " and " +
                     std::string(dtype_name(b.dtype())) + "); convert one with .to()");
}

namespace {

// out = f(a, b), broadcast, in a fresh contiguous tensor; float dtypes, or int64 too when
// `with_int64` (the comparisons).
template <bool with_int64 = false, class F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_same_dtype(a, b, op);
  if (!with_int64) check_floating(a.dtype(), op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), a.dtype());
  auto loop = [&]<class T>() { kernels::map_binary<T>(a, b, out, [&](T x, T y) { return f(x, y); }); };
  if constexpr (with_int64)
    dispatch_with_int64(a.dtype(), loop);
  else
    dispatch(a.dtype(), loop);
  return out;
}

// 1 where x `op` y holds, else 0, in the operands' dtype.
template <class F>
Tensor compare(const Tensor& a, const Tensor& b, const char* op, F holds) {
  return binary<true>(a, b, op, [holds](auto x, auto y) { return static_cast<decltype(x)>(holds(x, y)); });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "add", [](auto x, auto y) { return x + y; });
  return record(out, "add", {a, b}, [](Node& n, const Tensor& g) {
    n.accumulate(0, g);
    n.accumulate(1, g);
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "sub", [](auto x, auto y) { return x - y; });
  return record(out, "sub", {a, b}, [](Node& n, const Tensor& g) {
    n.accumulate(0, g);
    if (n.needs_grad(1)) n.accumulate(1, neg(g));
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "mul", [](auto x, auto y) { return x * y; });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "mul", {a, b}, [a = a.detach(), b = b.detach()](Node& n, const Tensor& g) {
    if (n.needs_grad(0)) n.accumulate(0, mul(g, b));
    if (n.needs_grad(1)) n.accumulate(1, mul(g, a));
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "div", [](auto x, auto y) { return x / y; });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "div", {a, b}, [a = a.detach(), b = b.detach()](Node& n, const Tensor& g) {
    // d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2
    if (n.needs_grad(0)) n.accumulate(0, div(g, b));
    if (n.needs_grad(1)) n.accumulate(1, neg(div(mul(g, a), mul(b, b))));
  });
}

Tensor add(const Tensor& a, double s) {
  Tensor out = pointwise(a, "add", [s](auto x) { return x + static_cast<decltype(x)>(s); });
  return record(out, "add", {a}, [](Node& n, const Tensor& g) { n.accumulate(0, g); });
}

Tensor mul(const Tensor& a, double s) {
  Tensor out = pointwise(a, "mul", [s](auto x) { return x * static_cast<decltype(x)>(s); });
  return record(out, "mul", {a}, [s](Node& n, const Tensor& g) { n.accumulate(0, mul(g, s)); });
}

Tensor rsub(const Tensor& a, double s) {
  Tensor out = pointwise(a, "rsub", [s](auto x) { return static_cast<decltype(x)>(s) - x; });
  return record(out, "rsub", {a}, [](Node& n, const Tensor& g) { n.accumulate(0, neg(g)); });
}

Tensor rdiv(const Tensor& a, double s) {
  Tensor out = pointwise(a, "rdiv", [s](auto x) { return static_cast<decltype(x)>(s) / x; });
  if (!any_requires_grad({a})) return out;
  // d(s/a)/da = -s/a^2 = -out/a
  return record(out, "rdiv", {a}, [a = a.detach(), out = out.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, neg(div(mul(g, out), a)));
  });
}

Tensor neg(const Tensor& a) {
  Tensor out = pointwise(a, "neg", [](auto x) { return -x; });
  return record(out, "neg", {a}, [](Node& n, const Tensor& g) { n.accumulate(0, neg(g)); });
}

// maximum/minimum: the gradient goes to the larger (smaller) input; on ties it is split
// evenly between the two, as torch does.
static Tensor select_grad(const Tensor& g, const Tensor& a, const Tensor& b, bool to_a, bool greater) {
  Tensor out = Tensor::empty(g.shape(), g.dtype());
  dispatch(g.dtype(), [&]<class T>() {
    kernels::map_ternary<T>(g, a, b, out, [=](T gv, T x, T y) {
      if (x == y) return gv / T(2);
      const bool a_wins = greater ? x > y : x < y;
      return a_wins == to_a ? gv : T(0);
    });
  });
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "maximum", [](auto x, auto y) { return x != x || x > y ? x : y; });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "maximum", {a, b}, [a = a.detach(), b = b.detach()](Node& n, const Tensor& g) {
    if (n.needs_grad(0)) n.accumulate(0, select_grad(g, a, b, true, true));
    if (n.needs_grad(1)) n.accumulate(1, select_grad(g, a, b, false, true));
  });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = binary(a, b, "minimum", [](auto x, auto y) { return x != x || x < y ? x : y; });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "minimum", {a, b}, [a = a.detach(), b = b.detach()](Node& n, const Tensor& g) {
    if (n.needs_grad(0)) n.accumulate(0, select_grad(g, a, b, true, false));
    if (n.needs_grad(1)) n.accumulate(1, select_grad(g, a, b, false, false));
  });
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  check_same_dtype(a, b, "where");
  check_floating(a.dtype(), "where");
  const Shape s = broadcast_shapes(broadcast_shapes(condition.shape(), a.shape(), "where"), b.shape(), "where");
  const Tensor c = condition.detach().to(a.dtype());  // the condition gets no gradient
  Tensor out = Tensor::empty(s, a.dtype());
  dispatch(a.dtype(), [&]<class T>() {
    kernels::map_ternary<T>(c, a, b, out, [](T cv, T x, T y) { return cv != T(0) ? x : y; });
  });
  if (!any_requires_grad({a, b})) return out;
  return record(out, "where", {a, b}, [c](Node& n, const Tensor& g) {
    const Tensor zero = Tensor::zeros(Shape{}, g.dtype());
    if (n.needs_grad(0)) n.accumulate(0, where(c, g, zero));
    if (n.needs_grad(1)) n.accumulate(1, where(c, zero, g));
  });
}

Tensor eq(const Tensor& a, const Tensor& b) {
  return compare(a, b, "eq", [](auto x, auto y) { return x == y; });
}
Tensor ne(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ne", [](auto x, auto y) { return x != y; });
}
Tensor gt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "gt", [](auto x, auto y) { return x > y; });
}
Tensor lt(const Tensor& a, const Tensor& b) {
  return compare(a, b, "lt", [](auto x, auto y) { return x < y; });
}
Tensor ge(const Tensor& a, const Tensor& b) {
  return compare(a, b, "ge", [](auto x, auto y) { return x >= y; });
}
Tensor le(const Tensor& a, const Tensor& b) {
  return compare(a, b, "le", [](auto x, auto y) { return x <= y; });
}

}  // namespace descent
