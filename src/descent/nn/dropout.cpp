// Inverted dropout: mask ~ Bernoulli(1 - p), scaled by 1/(1 - p); backward multiplies by the
// same mask. One uniform() per element in row-major order; under data parallelism a rank's rows
// get the masks one process draws for those rows of the global batch (nn/global_batch.hpp).
#include "descent/nn/functional.hpp"
#include "descent/nn/global_batch.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!training || p == 0.0) return x;
  if (p == 1.0) return mul(x, 0.0);
  Generator& g = gen ? *gen : default_generator();
  Tensor mask = Tensor::empty(x.shape(), x.dtype());
  const int64_t rows = x.dim() > 0 ? x.shape()[0] : 1;
  const RowsAround around = rows_around(rows, "dropout");
  const int64_t per_row = rows > 0 ? x.numel() / rows : 0;
  skip_draws(g, around.before * per_row);
  dispatch(x.dtype(), [&]<class T>() {
    T* m = mask.data<T>();
    const T scale = static_cast<T>(1.0 / (1.0 - p));
    for (int64_t i = 0; i < mask.numel(); ++i) m[i] = g.uniform() >= p ? scale : T(0);
  });
  skip_draws(g, around.after * per_row);
  Tensor out;
  {
    NoGradGuard guard;
    out = mul(x, mask);
  }
  return record(out, "dropout", {x}, [mask](Node& n, const Tensor& grad) { n.accumulate(0, mul(grad, mask)); });
}

}  // namespace descent
