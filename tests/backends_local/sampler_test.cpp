// Sampler (greedy, seeds, top-k/top-p/min-p support sets, repetition penalty, logprobs) and
// StopMatcher on hand-made inputs.

#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/engine/sampler.hpp"
#include "backends/local/engine/stop_matcher.hpp"

using namespace braid::backends::local;

namespace {

std::vector<std::int32_t> ids(const std::vector<TokenLogprob>& support) {
    std::vector<std::int32_t> out;
    for (const TokenLogprob& t : support) out.push_back(t.token);
    return out;
}

// Logits whose softmax (T = 1) is exactly the given probabilities.
std::vector<float> logits_of(const std::vector<double>& probs) {
    std::vector<float> out;
    for (double p : probs) out.push_back(static_cast<float>(std::log(p)));
    return out;
}

}  // namespace

TEST_CASE("Greedy sampling returns the argmax, lowest id on ties", "[backends][engine]") {
    Sampler greedy(SamplingConfig{.temperature = 0.0f});
    const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 2.0f, 1.5f};
    CHECK(greedy.sample(logits, {}).token == 1);
    const std::vector<float> other = {3.0f, 2.0f, 9.0f};
    CHECK(greedy.sample(other, {}).token == 2);
}

TEST_CASE("A fixed seed reproduces the same draws; another seed gives others",
          "[backends][engine]") {
    const std::vector<float> logits = logits_of({0.2, 0.2, 0.2, 0.2, 0.2});
    auto draw = [&](std::uint64_t seed) {
        Sampler s(SamplingConfig{.temperature = 1.0f, .seed = seed});
        std::vector<std::int32_t> out;
        for (int i = 0; i < 64; ++i) out.push_back(s.sample(logits, {}).token);
        return out;
    };
    CHECK(draw(7) == draw(7));
    CHECK(draw(7) != draw(8));
    CHECK(sequence_seed(7, 0) != sequence_seed(7, 1));
    CHECK(sequence_seed(7, 1) == sequence_seed(7, 1));
    // Every draw lands in the vocabulary, and a uniform distribution visits all of it.
    const std::vector<std::int32_t> d = draw(7);
    CHECK(std::set<std::int32_t>(d.begin(), d.end()).size() == 5);
}

TEST_CASE("top-k, top-p and min-p leave exactly the expected support", "[backends][engine]") {
    // Probabilities 0.4, 0.3, 0.15, 0.1, 0.05 on ids 3, 0, 4, 1, 2.
    const std::vector<float> logits = logits_of({0.3, 0.1, 0.05, 0.4, 0.15});
    auto support = [&](SamplingConfig c) { return ids(Sampler(c).support(logits, {})); };
    using V = std::vector<std::int32_t>;
    CHECK(support({.temperature = 1.0f}) == V{0, 1, 2, 3, 4});
    CHECK(support({.temperature = 1.0f, .top_k = 2}) == V{0, 3});
    CHECK(support({.temperature = 1.0f, .top_k = 1}) == V{3});
    // top-p: 0.4 < 0.6, 0.7 >= 0.6 → {3, 0}; 0.7 < 0.8, 0.85 >= 0.8 → {3, 0, 4}.
    CHECK(support({.temperature = 1.0f, .top_p = 0.6f}) == V{0, 3});
    CHECK(support({.temperature = 1.0f, .top_p = 0.8f}) == V{0, 3, 4});
    CHECK(support({.temperature = 1.0f, .top_p = 0.1f}) == V{3});
    // min-p 0.3: threshold 0.12 → {0.4, 0.3, 0.15}; min-p 0.5: threshold 0.2 → {0.4, 0.3}.
    CHECK(support({.temperature = 1.0f, .min_p = 0.3f}) == V{0, 3, 4});
    CHECK(support({.temperature = 1.0f, .min_p = 0.5f}) == V{0, 3});
    // Combined: top-k 4 then top-p 0.8 (renormalized over 0.95: 0.42, 0.74, 0.89) → {3, 0, 4}.
    CHECK(support({.temperature = 1.0f, .top_k = 4, .top_p = 0.8f}) == V{0, 3, 4});
    CHECK(support({.temperature = 0.0f, .top_k = 3}) == V{3});

    // The support's probabilities are renormalized, and draws stay inside it.
    Sampler s(SamplingConfig{.temperature = 1.0f, .top_k = 2, .seed = 3});
    const std::vector<TokenLogprob> two = s.support(logits, {});
    REQUIRE(two.size() == 2);
    CHECK(two[0].logprob == Approx(0.3 / 0.7));
    CHECK(two[1].logprob == Approx(0.4 / 0.7));
    for (int i = 0; i < 100; ++i) {
        const std::int32_t t = s.sample(logits, {}).token;
        CHECK((t == 0 || t == 3));
    }
}

TEST_CASE("Temperature sharpens or flattens the distribution", "[backends][engine]") {
    const std::vector<float> logits = {1.0f, 0.0f};
    const auto cold = Sampler({.temperature = 0.5f}).support(logits, {});
    const auto hot = Sampler({.temperature = 2.0f}).support(logits, {});
    CHECK(cold[0].logprob == Approx(1.0 / (1.0 + std::exp(-2.0))));
    CHECK(hot[0].logprob == Approx(1.0 / (1.0 + std::exp(-0.5))));
}

TEST_CASE("Repetition penalty divides positive and multiplies negative logits, once per token",
          "[backends][engine]") {
    // Token 0: 2.0 → 1.0; token 1: -1.0 → -2.0; token 2 untouched at 1.5.
    const std::vector<float> logits = {2.0f, -1.0f, 1.5f};
    Sampler greedy(SamplingConfig{.temperature = 0.0f, .repetition_penalty = 2.0f});
    const std::vector<std::int32_t> previous = {0, 0, 1};
    CHECK(greedy.sample(logits, previous).token == 2);
    CHECK(greedy.sample(logits, {}).token == 0);

    Sampler t1(SamplingConfig{.temperature = 1.0f, .repetition_penalty = 2.0f});
    const auto p = t1.support(logits, previous);
    const double z = std::exp(1.0) + std::exp(-2.0) + std::exp(1.5);
    CHECK(p[0].logprob == Approx(std::exp(1.0) / z));
    CHECK(p[1].logprob == Approx(std::exp(-2.0) / z));
    CHECK(p[2].logprob == Approx(std::exp(1.5) / z));
}

TEST_CASE("Logprobs are the log-softmax of the unmodified logits", "[backends][engine]") {
    const std::vector<float> logits = {1.0f, 3.0f, -2.0f, 0.5f};
    Sampler s(SamplingConfig{.temperature = 0.0f, .repetition_penalty = 3.0f, .logprobs = true,
                             .top_logprobs = 3});
    const std::vector<std::int32_t> previous = {1};  // penalized for the choice, not the logprobs
    const SampledToken t = s.sample(logits, previous);
    CHECK(t.token == 0);  // 3.0 / 3 = 1.0 ties with token 0's 1.0; the lower id wins
    double z = 0.0;
    for (float l : logits) z += std::exp(static_cast<double>(l));
    CHECK(t.logprob == Approx(1.0 - std::log(z)));
    REQUIRE(t.top.size() == 3);
    CHECK(t.top[0].token == 1);
    CHECK(t.top[1].token == 0);
    CHECK(t.top[2].token == 3);
    CHECK(t.top[0].logprob == Approx(3.0 - std::log(z)));

    std::vector<float> all;
    log_softmax(logits, all);
    double mass = 0.0;
    for (float l : all) mass += std::exp(static_cast<double>(l));
    CHECK(mass == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("StopMatcher holds back partial matches across pieces and cuts at the stop string",
          "[backends][engine]") {
    StopMatcher m({"</answer>", "STOP"});
    StopMatcher::Fed a = m.feed("The result is 4</an");
    CHECK(a.text == "The result is 4");
    CHECK_FALSE(a.stopped);
    CHECK(m.held_bytes() == 4);
    StopMatcher::Fed b = m.feed("swer> and more");
    CHECK(b.stopped);
    CHECK(b.stop_index == 0);
    CHECK(b.text.empty());
    CHECK(m.stopped());
    CHECK(m.feed("ignored").text.empty());

    // A false start is released once it can no longer match.
    StopMatcher n({"STOP"});
    CHECK(n.feed("ST").text.empty());
    CHECK(n.feed("ar").text == "STar");
    CHECK(n.feed("x S").text == "x ");
    StopMatcher::Fed c = n.feed("TOP!");
    CHECK(c.stopped);
    CHECK(c.text.empty());

    // Without a match, flush returns what was held.
    StopMatcher f({"<end>"});
    CHECK(f.feed("abc<e").text == "abc");
    CHECK(f.flush() == "<e");

    // The earliest match wins, and text before it in the same piece is kept.
    StopMatcher e({"bb", "a"});
    StopMatcher::Fed d = e.feed("xxbbya");
    CHECK(d.stopped);
    CHECK(d.text == "xx");
    CHECK(d.stop_index == 0);
}
