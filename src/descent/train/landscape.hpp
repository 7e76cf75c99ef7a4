// The loss landscape around trained weights, after Li, Xu, Taylor, Studer & Goldstein 2018,
// "Visualizing the Loss Landscape of Neural Nets" (NeurIPS): f(a, b) = L(theta* + a d1 + b d2)
// along two random directions d1, d2 that are filter-normalized, so that a step of 1 changes
// every neuron's weights by as much as their own norm, whatever the layer's scale.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "descent/core/rng.hpp"
#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"
#include "descent/train/fit.hpp"
#include "descent/viz/figure.hpp"

namespace descent {

// A random direction with the parameters' names and shapes (section 4 of the paper). Each entry
// is drawn from N(0, 1); then each slice along dim 0 of a weight tensor, the paper's "filter", is
// scaled to the norm of the same slice of the weights: a convolution's filter (C_in, kh, kw) of
// an (C_out, C_in, kh, kw) weight, a fully connected layer's row (one output neuron).
// Parameters with fewer than 2 dimensions (biases, batch-norm scales and shifts) get zero, as
// the paper's code does by default (ignore='biasbn').
NamedTensors filter_normalized_direction(const NamedTensors& params, Generator& gen);

// n examples of `data` drawn without replacement (all of them, shuffled, when n >= its size).
Dataset evaluation_subset(const Dataset& data, int64_t n, Generator& gen);

struct LandscapeOptions {
  int grid = 21;               // points per axis, >= 2
  double lo = -1.0, hi = 1.0;  // the range of a and b
  bool one_d = false;          // a 1-D slice along d1 only
  int64_t batch_size = 2000;   // evaluation batch size
};

struct Landscape {
  std::vector<double> a, b;  // grid coordinates along d1 and d2 (b empty for a 1-D slice)
  // loss[j * a.size() + i] and accuracy[...] at (a[i], b[j]); for a 1-D slice, at a[i].
  std::vector<double> loss, accuracy;
  bool classification = false;
};

// Throws ValueError naming the option for grid < 2, a non-finite or empty range, or a batch size
// < 1.
void validate(const LandscapeOptions& options);

// A fresh model of the trained architecture (its values are overwritten), one per thread.
using ModelFactory = std::function<std::shared_ptr<Module>()>;

// Evaluates the loss (and accuracy) on `data` of the model with the `trained` state at every grid
// point, along two directions drawn from `gen` (one for a 1-D slice). Grid points are shared out
// among get_num_threads() threads, each with its own model from make_model and single-threaded
// BLAS and loops inside: on a shared machine, independent workers keep both cores busy where one
// evaluation split over two threads waits at every barrier for a descheduled thread.
Landscape loss_landscape(const ModelFactory& make_model, const NamedTensors& trained, const Dataset& data,
                         const LossFunction& loss, const LandscapeOptions& options, Generator& gen);

// A contour plot of a 2-D landscape (log-spaced levels when the loss spans more than a decade)
// with the trained weights marked at the origin, or loss against a for a 1-D slice.
viz::Rendered plot_landscape(const Landscape& landscape, const std::string& title);

}  // namespace descent
