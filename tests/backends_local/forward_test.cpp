// Forward::step on the tiny models of tiny_models.py: logits equal the numpy oracle
// (reference_forward.py) for every model and format; decode, chunked prefill, forks and mixed
// batches agree with one-shot prefill; an out-of-blocks step changes nothing.

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends/local/engine/forward.hpp"
#include "backends/local/model/model_loader.hpp"
#include "tests/backends_local/tiny_model_files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace braid::backends::local;
using braid::Result;
namespace fs = std::filesystem;

namespace {

constexpr float k_reference_tolerance = 1e-4f;
constexpr float k_same_math_tolerance = 1e-5f;  // the same model, rows batched differently

std::vector<std::string> model_names() {
    std::ifstream in(braid::test::tiny_model_dir() / "manifest.json");
    std::vector<std::string> names;
    for (const auto& m : nlohmann::json::parse(in)) names.push_back(m["name"].get<std::string>());
    return names;
}

// 20 tokens: crosses a 16-token block boundary.
std::vector<std::int32_t> prompt() {
    return {1, 200, 17, 42, 269, 5, 99, 3, 7, 150, 33, 8, 250, 12, 64, 100, 2, 77, 180, 9};
}

std::string join(const std::vector<std::int32_t>& tokens) {
    std::string s;
    for (std::int32_t t : tokens) s += (s.empty() ? "" : ",") + std::to_string(t);
    return s;
}

// [tokens, vocab] logits from the numpy oracle for `model` (a .gguf or a safetensors folder).
std::vector<float> reference_logits(const fs::path& model, const std::vector<std::int32_t>& tokens) {
    braid::test::TempDir dir;
    const std::string out = dir / "logits.f32";
    const std::string command = std::string("/usr/bin/python3 ") + BRAID_SOURCE_DIR +
                                "/tests/backends_local/reference_forward.py " + model.string() +
                                " --tokens " + join(tokens) + " --out " + out + " >/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(out, std::ios::binary);
    std::vector<float> logits;
    float f = 0;
    while (in.read(reinterpret_cast<char*>(&f), sizeof f)) logits.push_back(f);
    return logits;
}

LoadedModel load(const fs::path& path) {
    Result<LoadedModel> model = load_model(path);
    if (!model) FAIL(model.error().describe());
    return std::move(model).value();
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    float worst = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
    return worst;
}

// Steps `tokens` into `seq` as one chunk; returns every row's logits.
std::vector<float> prefill(Forward& forward, KvSequence& seq,
                           const std::vector<std::int32_t>& tokens) {
    std::vector<ForwardRow> rows;
    for (std::int32_t t : tokens) rows.push_back(ForwardRow{&seq, t, true});
    std::vector<float> logits;
    Result<void> ok = forward.step(rows, logits);
    if (!ok) FAIL(ok.error().describe());
    return logits;
}

std::vector<float> slice_rows(const std::vector<float>& logits, std::size_t vocab,
                              std::size_t first, std::size_t count) {
    return {logits.begin() + static_cast<std::ptrdiff_t>(first * vocab),
            logits.begin() + static_cast<std::ptrdiff_t>((first + count) * vocab)};
}

constexpr std::size_t k_pool_blocks = 64;

}  // namespace

TEST_CASE("Forward logits equal the numpy reference for every tiny model, GGUF and safetensors",
          "[backends][engine]") {
    const fs::path dir = braid::test::tiny_model_dir();
    const std::vector<std::int32_t> tokens = prompt();
    for (const std::string& name : model_names()) {
        INFO("model " << name);
        std::vector<float> per_format[2];
        const fs::path paths[2] = {dir / (name + ".gguf"), dir / name};
        for (int f = 0; f < 2; ++f) {
            INFO("file " << paths[f]);
            LoadedModel model = load(paths[f]);
            Forward forward(model.weights, nullptr);
            BlockPool pool(forward.kv_layout(), k_pool_blocks);
            KvSequence seq(pool);
            per_format[f] = prefill(forward, seq, tokens);
            CHECK(max_abs_diff(per_format[f], reference_logits(paths[f], tokens)) <=
                  k_reference_tolerance);
        }
        // Bit-identical weights give identical logits; llama3 scaling is read from
        // rope_freqs.weight in GGUF (fitted parameters), so its frequencies may differ by an ulp.
        if (name.find("llama3") == std::string::npos)
            CHECK(per_format[0] == per_format[1]);
        else
            CHECK(max_abs_diff(per_format[0], per_format[1]) <= k_same_math_tolerance);
    }
}

TEST_CASE("Forward decode token by token and chunked prefill equal one-shot prefill",
          "[backends][engine]") {
    const fs::path dir = braid::test::tiny_model_dir();
    const std::vector<std::int32_t> tokens = prompt();
    for (const char* name : {"qwen2", "llama3_scaled"}) {
        INFO("model " << name);
        LoadedModel model = load(dir / (std::string(name) + ".gguf"));
        ThreadPool threads(2);
        Forward forward(model.weights, &threads);
        const auto vocab = static_cast<std::size_t>(forward.config().vocab_size);
        BlockPool pool(forward.kv_layout(), k_pool_blocks);

        KvSequence one_shot(pool);
        const std::vector<float> expected = prefill(forward, one_shot, tokens);

        KvSequence decoded(pool);
        std::vector<float> by_token;
        for (std::int32_t t : tokens) {
            std::vector<float> row = prefill(forward, decoded, {t});
            REQUIRE(row.size() == vocab);
            by_token.insert(by_token.end(), row.begin(), row.end());
        }
        CHECK(max_abs_diff(by_token, expected) <= k_same_math_tolerance);

        KvSequence chunked(pool);
        std::vector<float> chunks;
        for (auto [first, count] : {std::pair<std::size_t, std::size_t>{0, 3}, {3, 14}, {17, 3}}) {
            std::vector<std::int32_t> part(tokens.begin() + static_cast<std::ptrdiff_t>(first),
                                           tokens.begin() + static_cast<std::ptrdiff_t>(first + count));
            std::vector<float> got = prefill(forward, chunked, part);
            chunks.insert(chunks.end(), got.begin(), got.end());
        }
        CHECK(max_abs_diff(chunks, expected) <= k_same_math_tolerance);
        CHECK(chunked.length() == tokens.size());
    }
}

TEST_CASE("Forward returns logits only for rows that want them, in row order",
          "[backends][engine]") {
    LoadedModel model = load(braid::test::tiny_model_dir() / "llama.gguf");
    Forward forward(model.weights, nullptr);
    const auto vocab = static_cast<std::size_t>(forward.config().vocab_size);
    BlockPool pool(forward.kv_layout(), k_pool_blocks);
    const std::vector<std::int32_t> tokens = prompt();
    KvSequence all(pool);
    const std::vector<float> expected = prefill(forward, all, tokens);

    KvSequence last_only(pool);
    std::vector<ForwardRow> rows;
    for (std::size_t i = 0; i < tokens.size(); ++i)
        rows.push_back(ForwardRow{&last_only, tokens[i], i == 4 || i + 1 == tokens.size()});
    std::vector<float> logits;
    REQUIRE(forward.step(rows, logits).has_value());
    REQUIRE(logits.size() == 2 * vocab);
    CHECK(max_abs_diff(slice_rows(logits, vocab, 0, 1), slice_rows(expected, vocab, 4, 1)) == 0.0f);
    CHECK(max_abs_diff(slice_rows(logits, vocab, 1, 1),
                       slice_rows(expected, vocab, tokens.size() - 1, 1)) == 0.0f);
}

TEST_CASE("A share_tail fork decodes like a fresh sequence and leaves its parent unchanged",
          "[backends][engine]") {
    LoadedModel model = load(braid::test::tiny_model_dir() / "qwen2.gguf");
    Forward forward(model.weights, nullptr);
    const auto vocab = static_cast<std::size_t>(forward.config().vocab_size);
    BlockPool pool(forward.kv_layout(), k_pool_blocks);
    const std::vector<std::int32_t> prefix = prompt();  // 20 tokens: the tail block is partial
    const std::vector<std::int32_t> child_tokens = {11, 22, 33};

    KvSequence parent(pool);
    prefill(forward, parent, prefix);
    KvSequence child = parent.fork(ForkMode::share_tail);
    std::vector<float> child_logits;
    for (std::int32_t t : child_tokens) {
        std::vector<float> row = prefill(forward, child, {t});
        child_logits.insert(child_logits.end(), row.begin(), row.end());
    }

    std::vector<std::int32_t> all = prefix;
    all.insert(all.end(), child_tokens.begin(), child_tokens.end());
    KvSequence fresh(pool);
    const std::vector<float> fresh_logits = prefill(forward, fresh, all);
    CHECK(max_abs_diff(child_logits, slice_rows(fresh_logits, vocab, prefix.size(), 3)) <=
          k_same_math_tolerance);

    // The parent continues from its own prefix: the child's writes went to a copied block.
    const std::vector<float> parent_next = prefill(forward, parent, {44});
    std::vector<std::int32_t> parent_all = prefix;
    parent_all.push_back(44);
    KvSequence fresh_parent(pool);
    const std::vector<float> expected = prefill(forward, fresh_parent, parent_all);
    CHECK(max_abs_diff(parent_next, slice_rows(expected, vocab, prefix.size(), 1)) <=
          k_same_math_tolerance);
}

TEST_CASE("A batch mixing sequences at different lengths equals running them one by one",
          "[backends][engine]") {
    LoadedModel model = load(braid::test::tiny_model_dir() / "llama_tied.gguf");
    ThreadPool threads(2);
    Forward forward(model.weights, &threads);
    const auto vocab = static_cast<std::size_t>(forward.config().vocab_size);
    const std::vector<std::int32_t> tokens = prompt();
    const std::vector<std::int32_t> prefix_a(tokens.begin(), tokens.begin() + 5);
    const std::vector<std::int32_t> prefix_b(tokens.begin() + 2, tokens.begin() + 20);
    const std::vector<std::int32_t> chunk_c = {9, 8, 7, 6};

    // Batched: A and B decode one token each while C prefills a chunk, in one step.
    BlockPool pool(forward.kv_layout(), k_pool_blocks);
    KvSequence a(pool), b(pool), c(pool);
    prefill(forward, a, prefix_a);
    prefill(forward, b, prefix_b);
    std::vector<ForwardRow> rows = {{&a, 100, true}, {&b, 101, true}};
    for (std::int32_t t : chunk_c) rows.push_back(ForwardRow{&c, t, true});
    std::vector<float> batched;
    REQUIRE(forward.step(rows, batched).has_value());
    REQUIRE(batched.size() == 6 * vocab);

    // One by one, each sequence alone.
    BlockPool solo_pool(forward.kv_layout(), k_pool_blocks);
    auto alone = [&](std::vector<std::int32_t> all) {
        KvSequence s(solo_pool);
        return prefill(forward, s, all);
    };
    std::vector<std::int32_t> all_a = prefix_a, all_b = prefix_b;
    all_a.push_back(100);
    all_b.push_back(101);
    CHECK(max_abs_diff(slice_rows(batched, vocab, 0, 1),
                       slice_rows(alone(all_a), vocab, prefix_a.size(), 1)) <= k_same_math_tolerance);
    CHECK(max_abs_diff(slice_rows(batched, vocab, 1, 1),
                       slice_rows(alone(all_b), vocab, prefix_b.size(), 1)) <= k_same_math_tolerance);
    CHECK(max_abs_diff(slice_rows(batched, vocab, 2, 4), alone(chunk_c)) <= k_same_math_tolerance);
}

TEST_CASE("An out-of-blocks step fails with budget_exhausted, changes nothing, and can be retried",
          "[backends][engine]") {
    LoadedModel model = load(braid::test::tiny_model_dir() / "llama.gguf");
    Forward forward(model.weights, nullptr);
    const auto vocab = static_cast<std::size_t>(forward.config().vocab_size);
    const std::vector<std::int32_t> tokens = prompt();
    BlockPool pool(forward.kv_layout(), 4);
    auto other = std::make_unique<KvSequence>(pool);
    prefill(forward, *other, tokens);  // 20 tokens: 2 blocks
    KvSequence a(pool), b(pool);
    const std::vector<std::int32_t> first(tokens.begin(), tokens.begin() + 10);
    prefill(forward, a, first);  // 1 block; 1 left
    REQUIRE(pool.free_blocks() == 1);

    // A's 10 more tokens need a second block and B's token a first one: 2 > 1 free. A alone would
    // fit, so this shows that A's append did not happen either.
    std::vector<ForwardRow> rows;
    for (std::size_t i = 10; i < 20; ++i) rows.push_back(ForwardRow{&a, tokens[i], i == 19});
    rows.push_back(ForwardRow{&b, 5, true});
    std::vector<float> logits;
    Result<void> refused = forward.step(rows, logits);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == braid::ErrorCode::budget_exhausted);
    CHECK(refused.error().retryable);
    CHECK(logits.empty());
    CHECK(a.length() == 10);
    CHECK(b.length() == 0);
    CHECK(pool.free_blocks() == 1);

    other.reset();  // frees 2 blocks
    REQUIRE(forward.step(rows, logits).has_value());
    REQUIRE(logits.size() == 2 * vocab);
    BlockPool solo_pool(forward.kv_layout(), k_pool_blocks);
    KvSequence solo(solo_pool);
    const std::vector<float> expected = prefill(forward, solo, tokens);
    CHECK(max_abs_diff(slice_rows(logits, vocab, 0, 1), slice_rows(expected, vocab, 19, 1)) <=
          k_same_math_tolerance);
}

TEST_CASE("Forward rejects rows it cannot run without touching any sequence",
          "[backends][engine]") {
    LoadedModel model = load(braid::test::tiny_model_dir() / "llama.gguf");
    Forward forward(model.weights, nullptr);
    BlockPool pool(forward.kv_layout(), k_pool_blocks);
    KvSequence a(pool), b(pool);
    std::vector<float> logits;
    const std::int32_t too_big = static_cast<std::int32_t>(forward.config().vocab_size);
    std::vector<ForwardRow> bad_token = {{&a, 1, false}, {&a, too_big, true}};
    CHECK(forward.step(bad_token, logits).error().code == braid::ErrorCode::invalid_input);
    std::vector<ForwardRow> interleaved = {{&a, 1, false}, {&b, 2, false}, {&a, 3, true}};
    CHECK(forward.step(interleaved, logits).error().code == braid::ErrorCode::invalid_input);
    std::vector<ForwardRow> no_sequence = {{nullptr, 1, true}};
    CHECK(forward.step(no_sequence, logits).error().code == braid::ErrorCode::invalid_input);
    CHECK(a.length() == 0);
    CHECK(b.length() == 0);
    CHECK(pool.used_blocks() == 0);
}
