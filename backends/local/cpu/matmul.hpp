#pragma once
// matmul: Y = X Wᵀ for a batch of token rows, the weight-times-activation product of every
// projection in the forward pass.
//
//   W: [out, in] row-major (model_weights.hpp), X: [batch, in] row-major, Y: [batch, out]
//   row-major; Y[b, o] = sum_i W[o, i] * X[b, i], fp32 products accumulated in fp32.
//
// Each weight row is loaded from memory once per call and used for all `batch` rows while it sits
// in L1 (the batch is walked in tiles of 4 inside the row loop), so batched decode costs about
// the same memory traffic as one token. Work is split over output rows with `pool` (nullptr =
// the calling thread only). Y must not overlap W or X. `isa` selects the code path (isa.hpp); the
// paths differ only in summation order.

#include <cstddef>

#include "backends/local/cpu/isa.hpp"
#include "backends/local/model/model_weights.hpp"

namespace braid::backends::local {

class ThreadPool;

void matmul(const float* w, const float* x, float* y, std::size_t batch, std::size_t in,
            std::size_t out, ThreadPool* pool = nullptr, Isa isa = best_isa());

// The same with W taken from a loaded tensor ([rows = out, cols = in]).
void matmul(const Tensor& w, const float* x, float* y, std::size_t batch,
            ThreadPool* pool = nullptr, Isa isa = best_isa());

}  // namespace braid::backends::local
