#include "backends/local/cpu/vec_ops.hpp"

#include "core/assert.hpp"

#include "backends/local/cpu/avx2.hpp"

namespace braid::backends::local {

namespace {

float dot_scalar(const float* a, const float* b, std::size_t n) {
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

void scale_add_scalar(float* y, float a, const float* x, float b, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] = a * y[i] + b * x[i];
}

void axpy_scalar(float* y, float b, const float* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) y[i] += b * x[i];
}

#ifdef BRAID_HAVE_X86
__attribute__((target("avx2,fma"))) float dot_avx2(const float* a, const float* b, std::size_t n) {
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    }
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    }
    float sum = avx2::hsum(_mm256_add_ps(acc0, acc1));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

__attribute__((target("avx2,fma"))) void scale_add_avx2(float* y, float a, const float* x,
                                                        float b, std::size_t n) {
    const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 scaled = _mm256_mul_ps(va, _mm256_loadu_ps(y + i));
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vb, _mm256_loadu_ps(x + i), scaled));
    }
    for (; i < n; ++i) y[i] = a * y[i] + b * x[i];
}

__attribute__((target("avx2,fma"))) void axpy_avx2(float* y, float b, const float* x,
                                                   std::size_t n) {
    const __m256 vb = _mm256_set1_ps(b);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(vb, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; ++i) y[i] += b * x[i];
}
#endif

constexpr VecOps scalar_ops{dot_scalar, scale_add_scalar, axpy_scalar};
#ifdef BRAID_HAVE_X86
constexpr VecOps avx2_ops{dot_avx2, scale_add_avx2, axpy_avx2};
#endif

}  // namespace

const VecOps& vec_ops(Isa isa) {
    BRAID_ASSERT(isa_supported(isa), "vec_ops: this CPU lacks the requested instruction set");
#ifdef BRAID_HAVE_X86
    if (isa == Isa::avx2) return avx2_ops;
#endif
    return scalar_ops;
}

}  // namespace braid::backends::local
