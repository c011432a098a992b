#pragma once
// VecOps: the few fp32 vector primitives the kernels' inner loops need, one table per Isa.
// Fetch the table once per kernel call (`vec_ops(isa)`) and call through it in the loops.
// All pointers may be unaligned; y may not alias x.

#include <cstddef>

#include "backends/local/cpu/isa.hpp"

namespace braid::backends::local {

struct VecOps {
    float (*dot)(const float* a, const float* b, std::size_t n);        // sum a[i]*b[i]
    void (*scale_add)(float* y, float a, const float* x, float b,       // y = a*y + b*x
                      std::size_t n);
    void (*axpy)(float* y, float b, const float* x, std::size_t n);     // y += b*x
};

// The table for `isa`; asserts that the CPU supports it.
const VecOps& vec_ops(Isa isa);

}  // namespace braid::backends::local
