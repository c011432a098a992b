// CPU kernels against naive double-precision references on random data, on every instruction-set
// path this machine has (isa.hpp), with and without the thread pool.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <memory>
#include <random>
#include <vector>

#include "backends/local/cpu/elementwise.hpp"
#include "backends/local/cpu/isa.hpp"
#include "backends/local/cpu/matmul.hpp"
#include "backends/local/cpu/rope.hpp"
#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/cpu/vec_ops.hpp"

using braid::backends::local::best_isa;
using braid::backends::local::Isa;
using braid::backends::local::isa_supported;
using braid::backends::local::ModelConfig;
using braid::backends::local::RopeScaling;
using braid::backends::local::Tensor;
using braid::backends::local::ThreadPool;

namespace {

std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> out(n);
    for (auto& v : out) v = dist(rng);
    return out;
}

std::vector<Isa> available_isas() {
    std::vector<Isa> out = {Isa::scalar};
    if (isa_supported(Isa::avx2)) out.push_back(Isa::avx2);
    return out;
}

}  // namespace

TEST_CASE("this machine's best ISA is detected", "[backends_local][cpu]") {
    INFO("best isa: " << braid::backends::local::isa_name(best_isa()));
    REQUIRE(isa_supported(best_isa()));
#if defined(__x86_64__)
    if (!isa_supported(Isa::avx2)) WARN("no AVX2 here: only the scalar path is tested");
#endif
}

TEST_CASE("matmul matches a naive reference on every path, pooled or not",
          "[backends_local][cpu][matmul]") {
    std::mt19937 rng(7);
    ThreadPool pool(3);
    struct Shape {
        std::size_t batch, in, out;
    };
    const std::vector<Shape> shapes = {{1, 7, 5}, {1, 64, 96}, {3, 33, 17}, {4, 128, 64}, {5, 1100, 41},
                                       {9, 100, 37}, {16, 256, 130}, {1, 1000, 300}, {2, 8, 1}};
    for (const Shape& s : shapes) {
        const auto w = random_floats(s.out * s.in, rng);
        const auto x = random_floats(s.batch * s.in, rng);
        std::vector<double> ref(s.batch * s.out), magnitude(s.batch * s.out);
        for (std::size_t b = 0; b < s.batch; ++b) {
            for (std::size_t o = 0; o < s.out; ++o) {
                double sum = 0, mag = 0;
                for (std::size_t i = 0; i < s.in; ++i) {
                    sum += double(w[o * s.in + i]) * double(x[b * s.in + i]);
                    mag += std::abs(double(w[o * s.in + i]) * double(x[b * s.in + i]));
                }
                ref[b * s.out + o] = sum;
                magnitude[b * s.out + o] = mag;
            }
        }
        std::vector<std::vector<float>> results;
        for (const Isa isa : available_isas()) {
            for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
                std::vector<float> y(s.batch * s.out, -999.0f);
                braid::backends::local::matmul(w.data(), x.data(), y.data(), s.batch, s.in, s.out, p, isa);
                for (std::size_t k = 0; k < y.size(); ++k) {
                    INFO("shape " << s.batch << "x" << s.in << "->" << s.out << " isa "
                                  << braid::backends::local::isa_name(isa) << " index " << k);
                    REQUIRE(std::abs(double(y[k]) - ref[k]) <= 1e-5 * (magnitude[k] + 1.0));
                }
                results.push_back(y);
            }
        }
        // Pooled and unpooled runs of one path are bit-identical (same per-row order).
        REQUIRE(results[0] == results[1]);
    }
}

TEST_CASE("matmul takes its weight from a loaded Tensor", "[backends_local][cpu][matmul]") {
    std::mt19937 rng(8);
    auto w = std::make_shared<std::vector<float>>(random_floats(6 * 10, rng));
    const Tensor tensor{w->data(), 6, 10, w};
    const auto x = random_floats(2 * 10, rng);
    std::vector<float> a(12), b(12);
    braid::backends::local::matmul(tensor, x.data(), a.data(), 2);
    braid::backends::local::matmul(w->data(), x.data(), b.data(), 2, 10, 6);
    REQUIRE(a == b);
}

TEST_CASE("vector ops agree across paths", "[backends_local][cpu]") {
    std::mt19937 rng(9);
    for (const std::size_t n : {1u, 7u, 8u, 16u, 31u, 64u, 129u}) {
        const auto a = random_floats(n, rng), b = random_floats(n, rng);
        double dot_ref = 0, mag = 0;
        for (std::size_t i = 0; i < n; ++i) {
            dot_ref += double(a[i]) * b[i];
            mag += std::abs(double(a[i]) * b[i]);
        }
        for (const Isa isa : available_isas()) {
            const auto& ops = braid::backends::local::vec_ops(isa);
            REQUIRE(std::abs(ops.dot(a.data(), b.data(), n) - dot_ref) <= 1e-5 * (mag + 1));
            std::vector<float> y = a;
            ops.scale_add(y.data(), 0.5f, b.data(), -2.0f, n);
            for (std::size_t i = 0; i < n; ++i) REQUIRE(y[i] == Approx(0.5 * a[i] - 2.0 * b[i]).margin(1e-6));
            y = a;
            ops.axpy(y.data(), 3.0f, b.data(), n);
            for (std::size_t i = 0; i < n; ++i) REQUIRE(y[i] == Approx(a[i] + 3.0 * b[i]).margin(1e-6));
        }
    }
}

TEST_CASE("rmsnorm, silu_mul and softmax match naive references", "[backends_local][cpu]") {
    std::mt19937 rng(10);
    constexpr std::size_t rows = 3, dim = 50;
    const auto x = random_floats(rows * dim, rng, 3.0f);
    const auto weight = random_floats(dim, rng);
    std::vector<float> y(rows * dim);
    braid::backends::local::rmsnorm(x.data(), weight.data(), y.data(), rows, dim, 1e-5f);
    for (std::size_t r = 0; r < rows; ++r) {
        double ss = 0;
        for (std::size_t i = 0; i < dim; ++i) ss += double(x[r * dim + i]) * x[r * dim + i];
        const double inv = 1.0 / std::sqrt(ss / dim + 1e-5);
        for (std::size_t i = 0; i < dim; ++i) {
            REQUIRE(std::abs(y[r * dim + i] - x[r * dim + i] * inv * weight[i]) <= 1e-5);
        }
    }
    std::vector<float> in_place = x;
    braid::backends::local::rmsnorm(in_place.data(), weight.data(), in_place.data(), rows, dim, 1e-5f);
    REQUIRE(in_place == y);

    const auto gate = random_floats(dim, rng, 8.0f), up = random_floats(dim, rng, 2.0f);
    std::vector<float> act(dim);
    braid::backends::local::silu_mul(gate.data(), up.data(), act.data(), dim);
    for (std::size_t i = 0; i < dim; ++i) {
        const double g = gate[i];
        REQUIRE(std::abs(act[i] - g / (1 + std::exp(-g)) * up[i]) <= 1e-5 * (1 + std::abs(g * up[i])));
    }

    for (const float shift : {0.0f, 1000.0f, -1000.0f}) {  // stable far from zero
        auto logits = random_floats(dim, rng, 5.0f);
        for (auto& v : logits) v += shift;
        std::vector<float> p = logits;
        braid::backends::local::softmax(p.data(), dim);
        double max = logits[0];
        for (float v : logits) max = std::max(max, double(v));
        double z = 0;
        for (float v : logits) z += std::exp(double(v) - max);
        double total = 0;
        for (std::size_t i = 0; i < dim; ++i) {
            REQUIRE(std::abs(p[i] - std::exp(double(logits[i]) - max) / z) <= 1e-6);
            total += p[i];
        }
        REQUIRE(total == Approx(1.0).margin(1e-5));
    }
}

TEST_CASE("rope_inv_freq follows theta^(-2i/d) and the llama3 scaling rule",
          "[backends_local][cpu][rope]") {
    ModelConfig config;
    config.head_dim = 64;
    config.rope_theta = 500000.0f;
    const auto plain = braid::backends::local::rope_inv_freq(config);
    REQUIRE(plain.size() == 32);
    for (std::size_t i = 0; i < plain.size(); ++i) {
        REQUIRE(plain[i] == Approx(std::pow(500000.0, -2.0 * double(i) / 64.0)).epsilon(1e-6));
    }
    // Llama-3.2-1B's scaling: factor 32, low 1, high 4, original context 8192. Expected values
    // from a transcription of HF `_compute_llama3_parameters` (Python, float64).
    config.rope_scaling = RopeScaling{RopeScaling::Kind::llama3, 32.0f, 1.0f, 4.0f, 8192};
    const auto scaled = braid::backends::local::rope_inv_freq(config);
    REQUIRE(scaled[0] == Approx(1.0).epsilon(1e-6));                      // high frequency: kept
    REQUIRE(scaled[10] == Approx(0.016560440080994446).epsilon(1e-6));    // kept
    REQUIRE(scaled[15] == Approx(0.001290547928209264).epsilon(1e-6));    // medium: blended
    REQUIRE(scaled[18] == Approx(1.9461638184831125e-05).epsilon(1e-6));  // low: divided by 32
    REQUIRE(scaled[25] == Approx(1.102883668639601e-06).epsilon(1e-6));
    REQUIRE(scaled[31] == Approx(9.418306725434909e-08).epsilon(1e-6));
    REQUIRE(scaled[31] == Approx(plain[31] / 32.0).epsilon(1e-6));
}

TEST_CASE("rope rotates pairs (i, i + d/2), composes, inverts and keeps relative positions",
          "[backends_local][cpu][rope]") {
    std::mt19937 rng(11);
    ModelConfig config;
    config.head_dim = 16;
    config.rope_theta = 10000.0f;
    const auto inv_freq = braid::backends::local::rope_inv_freq(config);
    constexpr std::size_t heads = 3, d = 16;
    const auto x = random_floats(heads * d, rng);

    std::vector<float> rotated = x;
    braid::backends::local::rope(rotated.data(), heads, d, 37, inv_freq);
    for (std::size_t h = 0; h < heads; ++h) {
        for (std::size_t i = 0; i < d / 2; ++i) {
            // As a complex number (x[i] + j x[i+d/2]) times e^{j p f}.
            const double angle = 37.0 * inv_freq[i];
            const double re = x[h * d + i], im = x[h * d + i + d / 2];
            REQUIRE(rotated[h * d + i] == Approx(re * std::cos(angle) - im * std::sin(angle)).margin(1e-6));
            REQUIRE(rotated[h * d + i + d / 2] ==
                    Approx(im * std::cos(angle) + re * std::sin(angle)).margin(1e-6));
        }
    }
    std::vector<float> twice = x;
    braid::backends::local::rope(twice.data(), heads, d, 20, inv_freq);
    braid::backends::local::rope(twice.data(), heads, d, 17, inv_freq);
    for (std::size_t k = 0; k < x.size(); ++k) REQUIRE(twice[k] == Approx(rotated[k]).margin(1e-5));
    braid::backends::local::rope(twice.data(), heads, d, -37, inv_freq);
    for (std::size_t k = 0; k < x.size(); ++k) REQUIRE(twice[k] == Approx(x[k]).margin(1e-5));

    // q·k after rotation depends only on the distance between their positions.
    const auto q = random_floats(d, rng), k = random_floats(d, rng);
    auto score = [&](std::int64_t pq, std::int64_t pk) {
        std::vector<float> a = q, b = k;
        braid::backends::local::rope(a.data(), 1, d, pq, inv_freq);
        braid::backends::local::rope(b.data(), 1, d, pk, inv_freq);
        double s = 0;
        for (std::size_t i = 0; i < d; ++i) s += double(a[i]) * b[i];
        return s;
    };
    REQUIRE(score(50, 45) == Approx(score(5, 0)).margin(1e-5));
    REQUIRE(score(1000, 990) == Approx(score(10, 0)).margin(1e-4));
}
