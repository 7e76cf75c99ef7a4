// The whole of descent's library API in one include.
#pragma once
#include "descent/autograd/grad_mode.hpp"
#include "descent/autograd/node.hpp"
#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/core/tensor.hpp"
#include "descent/core/threads.hpp"
#include "descent/ops/ops.hpp"
#include "descent/autograd/gradcheck.hpp"
