#include "backends/local/cpu/matmul.hpp"

#include <algorithm>
#include <vector>

#include "backends/local/cpu/thread_pool.hpp"
#include "core/assert.hpp"

#include "backends/local/cpu/avx2.hpp"

namespace braid::backends::local {

namespace {

constexpr std::size_t batch_tile = 4;
// Inputs per panel in batched mode (a multiple of 8): 8 rows of X x 512 floats = 16 KiB, in L1.
constexpr std::size_t k_panel = 512;
// Below this many multiply-adds a call is not worth waking the pool for.
constexpr std::size_t min_parallel_macs = 1 << 15;
// Output rows per chunk at least (keeps chunks longer than the wake-up cost).
constexpr std::size_t min_rows_per_chunk = 16;

struct Problem {
    const float* w;
    const float* x;
    float* y;
    std::size_t batch, in, out;
};

void rows_scalar(const Problem& p, std::size_t o_begin, std::size_t o_end) {
    for (std::size_t o = o_begin; o < o_end; ++o) {
        const float* w_row = p.w + o * p.in;
        for (std::size_t b = 0; b < p.batch; ++b) {
            const float* x_row = p.x + b * p.in;
            float sum = 0.0f;
            for (std::size_t i = 0; i < p.in; ++i) sum += w_row[i] * x_row[i];
            p.y[b * p.out + o] = sum;
        }
    }
}

#ifdef BRAID_HAVE_X86
// Inputs [k0, k0 + n) of every batch row: element (b, k0 + i) is at data[b * stride + i].
struct XPanel {
    const float* data;
    std::size_t stride;
    std::size_t k0;
    std::size_t n;
};

// Y[b0..b0+T, o0..o0+R] over one panel, with R*T independent accumulators (at most 8: FMA
// latency x throughput). Adds to Y when `accumulate` (a later panel), else overwrites it. The
// constant-trip loops are unrolled explicitly: GCC at -O2 otherwise keeps `acc` on the stack.
template <int R, int T>
__attribute__((target("avx2,fma"))) void tile_avx2(const Problem& p, std::size_t o0,
                                                   std::size_t b0, const XPanel& x,
                                                   bool accumulate) {
    __m256 acc[R][T];
    const float* w_rows[R];
    const float* x_rows[T];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
        w_rows[r] = p.w + (o0 + static_cast<std::size_t>(r)) * p.in + x.k0;
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    }
#pragma GCC unroll 4
    for (int t = 0; t < T; ++t) x_rows[t] = x.data + (b0 + static_cast<std::size_t>(t)) * x.stride;
    std::size_t i = 0;
    for (; i + 8 <= x.n; i += 8) {
        __m256 xv[T];
#pragma GCC unroll 4
        for (int t = 0; t < T; ++t) xv[t] = _mm256_loadu_ps(x_rows[t] + i);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
            const __m256 wv = _mm256_loadu_ps(w_rows[r] + i);
#pragma GCC unroll 4
            for (int t = 0; t < T; ++t) acc[r][t] = _mm256_fmadd_ps(wv, xv[t], acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int t = 0; t < T; ++t) {
            float sum = avx2::hsum(acc[r][t]);
            for (std::size_t k = i; k < x.n; ++k) sum += w_rows[r][k] * x_rows[t][k];
            float& out = p.y[(b0 + static_cast<std::size_t>(t)) * p.out + o0 + static_cast<std::size_t>(r)];
            out = accumulate ? out + sum : sum;
        }
    }
}

// R output rows against every batch row over one panel: batch tiles of 4, then the rest.
template <int R>
__attribute__((target("avx2,fma"))) void row_group_avx2(const Problem& p, std::size_t o0,
                                                        const XPanel& x) {
    const bool accumulate = x.k0 > 0;
    std::size_t b = 0;
    for (; b + batch_tile <= p.batch; b += batch_tile) tile_avx2<R, 4>(p, o0, b, x, accumulate);
    switch (p.batch - b) {
    case 3: tile_avx2<R, 3>(p, o0, b, x, accumulate); break;
    case 2: tile_avx2<R, 2>(p, o0, b, x, accumulate); break;
    case 1: tile_avx2<R, 1>(p, o0, b, x, accumulate); break;
    default: break;
    }
}

__attribute__((target("avx2,fma"))) void rows_avx2(const Problem& p, std::size_t o_begin,
                                                   std::size_t o_end) {
    if (p.batch == 1) {
        // Decode: 4 weight rows at a time give 4 independent accumulators and 4 load streams.
        const XPanel x{p.x, p.in, 0, p.in};
        std::size_t o = o_begin;
        for (; o + 4 <= o_end; o += 4) row_group_avx2<4>(p, o, x);
        for (; o < o_end; ++o) row_group_avx2<1>(p, o, x);
        return;
    }
    // Batched: walk the inputs in panels, copying the batch's slice of X into a small contiguous
    // buffer that stays in L1 while every weight row of the range streams past it once (W is
    // still read exactly once in total). The copy also breaks the power-of-two row stride of X
    // (e.g. 2048 floats) that would otherwise map all batch rows onto the same L1 sets.
    std::vector<float> packed(p.batch * k_panel);
    for (std::size_t k0 = 0; k0 < p.in; k0 += k_panel) {
        const std::size_t n = std::min(p.in - k0, k_panel);
        for (std::size_t b = 0; b < p.batch; ++b) {
            std::copy(p.x + b * p.in + k0, p.x + b * p.in + k0 + n, packed.data() + b * n);
        }
        const XPanel x{packed.data(), n, k0, n};
        std::size_t o = o_begin;
        for (; o + 2 <= o_end; o += 2) row_group_avx2<2>(p, o, x);
        for (; o < o_end; ++o) row_group_avx2<1>(p, o, x);
    }
}
#endif

void rows(const Problem& p, std::size_t o_begin, std::size_t o_end, Isa isa) {
#ifdef BRAID_HAVE_X86
    if (isa == Isa::avx2) {
        rows_avx2(p, o_begin, o_end);
        return;
    }
#endif
    (void)isa;
    rows_scalar(p, o_begin, o_end);
}

}  // namespace

void matmul(const float* w, const float* x, float* y, std::size_t batch, std::size_t in,
            std::size_t out, ThreadPool* pool, Isa isa) {
    BRAID_ASSERT(isa_supported(isa), "matmul: this CPU lacks the requested instruction set");
    if (batch == 0 || out == 0) return;
    const Problem p{w, x, y, batch, in, out};
    if (pool == nullptr || pool->size() == 1 || batch * in * out < min_parallel_macs) {
        rows(p, 0, out, isa);
        return;
    }
    pool->parallel_for(
        out, [&](std::size_t begin, std::size_t end) { rows(p, begin, end, isa); },
        min_rows_per_chunk);
}

void matmul(const Tensor& w, const float* x, float* y, std::size_t batch, ThreadPool* pool,
            Isa isa) {
    BRAID_ASSERT(!w.empty(), "matmul: empty weight tensor");
    matmul(w.data, x, y, batch, w.cols, w.rows, pool, isa);
}

}  // namespace braid::backends::local
