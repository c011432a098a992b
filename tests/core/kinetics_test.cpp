#include <catch2/catch.hpp>

#include "core/kinetics.hpp"

using namespace braid;

namespace {
// A 7B model shaped like Llama-2-7B with grouped-query attention: 32 layers, 32 heads, 8 KV heads
// of size 128.
KineticsModel seven_b() { return KineticsModel{7e9, 32, 32, 8, 128}; }
}  // namespace

TEST_CASE("Kinetics cost matches a hand computation", "[core][kinetics]") {
    // P = 7e9, layers = 32, h = 32, h_kv = 8, d = 128, L_in = 1000, L_out = 500, N = 4, I = 562.5:
    //   2·P·L_out                       = 2·7e9·500                 = 7e12
    //   2·layers·(2·L_in+L_out)·L_out·h·d = 64·2500·500·4096         = 3.2768e11
    //   compute = 4·(7e12 + 3.2768e11)                              = 2.931072e13
    //   memory  = 2·32·(2·1000 + 4·500)·500·8·128 = 64·4000·500·1024 = 1.31072e11
    //   total   = 2.931072e13 + 562.5·1.31072e11 = 2.931072e13 + 7.3728e13 = 1.0303872e14
    KineticsCost cost = kinetics_cost(seven_b(), 1000, 500, 4);
    REQUIRE(cost.compute == Approx(2.931072e13).epsilon(1e-9));
    REQUIRE(cost.memory == Approx(1.31072e11).epsilon(1e-9));
    REQUIRE(cost.total(b200_intensity) == Approx(1.0303872e14).epsilon(1e-9));
    REQUIRE(cost.total(0) == cost.compute);
}

TEST_CASE("One layer reproduces the reference's per-layer formula", "[core][kinetics]") {
    // Kinetics' dense_cost: compute = N·[2·P·L_out + 2·(2·L_in + L_out)·L_out·h·d],
    // memory = 2·(2·L_in + N·L_out)·L_out·h_kv·d. P = 1e9, h = 16, h_kv = 4, d = 64,
    // L_in = 200, L_out = 100, N = 3:
    //   compute = 3·(2e11 + 2·500·100·1024) = 3·(2e11 + 1.024e8) = 6.003072e11
    //   memory  = 2·(400 + 300)·100·256 = 3.584e7
    KineticsModel one_layer{1e9, 1, 16, 4, 64};
    KineticsCost cost = kinetics_cost(one_layer, 200, 100, 3);
    REQUIRE(cost.compute == Approx(6.003072e11).epsilon(1e-9));
    REQUIRE(cost.memory == Approx(3.584e7).epsilon(1e-9));
}

TEST_CASE("Samples scale compute linearly but share the prompt's memory traffic", "[core][kinetics]") {
    KineticsCost one = kinetics_cost(seven_b(), 1000, 500, 1);
    KineticsCost eight = kinetics_cost(seven_b(), 1000, 500, 8);
    REQUIRE(eight.compute == Approx(8 * one.compute).epsilon(1e-12));
    // The prompt's KV term (2·L_in) is read once; only the generated KV grows with N.
    const double prompt_memory = 2 * 32 * (2 * 1000.0) * 500 * 8 * 128;
    const double generated_memory_per_sample = 2 * 32 * 500.0 * 500 * 8 * 128;
    REQUIRE(one.memory == Approx(prompt_memory + generated_memory_per_sample).epsilon(1e-12));
    REQUIRE(eight.memory == Approx(prompt_memory + 8 * generated_memory_per_sample).epsilon(1e-12));
    REQUIRE(eight.memory < 8 * one.memory);
}

TEST_CASE("An incomplete architecture is reported as such", "[core][kinetics]") {
    REQUIRE(seven_b().complete());
    KineticsModel partial = seven_b();
    partial.kv_heads = 0;
    REQUIRE_FALSE(partial.complete());
    REQUIRE_FALSE(KineticsModel{}.complete());
}
