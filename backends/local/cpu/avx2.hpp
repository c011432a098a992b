#pragma once
// x86 SIMD pieces shared by the CPU kernels. Defines BRAID_HAVE_X86 on x86 builds; every function
// here carries target("avx2,fma") and may be called only after a runtime check (isa.hpp).

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BRAID_HAVE_X86 1

namespace braid::backends::local::avx2 {

// The sum of the eight lanes of v.
__attribute__((target("avx2,fma"))) inline float hsum(__m256 v) {
    const __m128 lo = _mm256_castps256_ps128(v);
    const __m128 hi = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(lo, hi);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

}  // namespace braid::backends::local::avx2
#endif
