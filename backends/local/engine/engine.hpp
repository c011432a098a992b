#pragma once
// Engine: a loaded model with its KV pool and scheduler, and the KV-level session API planners use
// (DESIGN.md §3: the text Backend is one level; this is the other).
//
//   auto engine = Engine::open("model.gguf", {.threads = 2, .kv_blocks = 512}, io.get_executor());
//   Session root = co_await engine->prefill(tokens);          // the prompt's KV, computed once
//   Session a = engine->fork(root), b = engine->fork(root);   // share every block of the prompt
//   auto out = co_await engine->decode(std::move(a), {.pick = greedy_picker(), .max_tokens = 64});
//   auto merged = engine->merge({&pa, &pb});   // Multiverse reduce (kv_sequence.hpp)
//
// A Session is a KV context plus its *pending* tokens: tokens that belong to the context but have
// no KV yet (prefill keeps the prompt's last token pending so that decode gets its logits; decode
// leaves the last generated token pending). decode feeds pending + prompt, then generates.
// Sessions are move-only values; destroying one releases its blocks. merge() keeps only KV: the
// parents' pending tokens are dropped (the caller feeds what follows, e.g. "<Conclusion>", as
// decode's prompt).
//
// Threading: every method runs on the executor given to open(); steps are posted there
// (scheduler.hpp). Sessions must not outlive their Engine.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "backends/local/engine/prefix_cache.hpp"
#include "backends/local/engine/scheduler.hpp"
#include "backends/local/model/model_loader.hpp"
#include "backends/local/tokenizer/chat_template.hpp"

namespace braid::backends::local {

struct EngineOptions {
    static constexpr std::size_t default_kv_bytes = std::size_t{256} << 20;
    std::size_t threads = 0;    // kernel threads including the executor's (0: all cores)
    std::size_t kv_blocks = 0;  // KV pool size in blocks; 0: from kv_bytes
    std::size_t kv_bytes = default_kv_bytes;
    std::size_t chunk_tokens = SchedulerOptions::default_chunk_tokens;
    // LocalBackend re-uses the KV of earlier requests' tokens (prefix_cache.hpp); off: every
    // request prefills its whole prompt (for measurement).
    bool prefix_cache = true;
    std::size_t prefix_cache_entries = PrefixCache::default_max_entries;
};

class Session {
public:
    Session(KvSequence sequence, std::vector<std::int32_t> pending)
        : sequence_(std::move(sequence)), pending_(std::move(pending)) {}
    const KvSequence& sequence() const { return sequence_; }
    std::span<const std::int32_t> pending() const { return pending_; }
    std::size_t cached_tokens() const { return sequence_.length(); }

private:
    friend class Engine;
    KvSequence sequence_;
    std::vector<std::int32_t> pending_;
};

struct DecodeRequest {
    std::vector<std::int32_t> prompt;  // fed after the session's pending tokens
    TokenPicker pick = greedy_picker();
    std::int64_t max_tokens = 256;
    std::vector<std::string> stop;
    std::function<void(std::string_view)> on_text;
};

struct Decoded {
    std::vector<std::int32_t> tokens;
    std::vector<TokenChoice> choices;
    std::string text;
    std::string finish_reason;  // "stop" | "length"
    std::string stop_sequence;  // the stop string that ended the text; "" for none
    Session session;            // the continued context (its pending holds the last token)
};

class Engine {
public:
    // Loads the model (load_model), its tokenizer (GGUF metadata) and sizes the KV pool.
    // Errors: load_model's (not_found, io, parse, invalid_input); invalid_input when the file has
    // no tokenizer or the options are unusable.
    static Result<std::unique_ptr<Engine>> open(const std::filesystem::path& path,
                                                EngineOptions options,
                                                asio::any_io_executor executor);
    ~Engine();

    // Computes the KV of `tokens` (at least one). Errors as Scheduler::generate.
    asio::awaitable<Result<Session>> prefill(std::vector<std::int32_t> tokens);
    // A child sharing the parent's blocks (no allocation); pending tokens are copied.
    Session fork(const Session& parent, ForkMode mode = ForkMode::share_tail) const;
    // The Multiverse reduce of KvSequence::merge; pending tokens are dropped (see above).
    Result<Session> merge(std::span<const Session* const> parents) const;
    // Continues `session`: feeds its pending tokens and request.prompt, then generates.
    asio::awaitable<Result<Decoded>> decode(Session session, DecodeRequest request);

    const Tokenizer& tokenizer() const;
    const ModelConfig& config() const;
    // The model's chat format, or none when the file names no recognised template.
    const std::optional<ChatTemplate>& chat_template() const;
    BlockPool& pool();
    Scheduler& scheduler();
    // The cache of earlier requests' KV that LocalBackend uses; null when EngineOptions turned it
    // off. Engine's own session methods never read or fill it.
    PrefixCache* prefix_cache();

private:
    struct Parts;
    explicit Engine(std::unique_ptr<Parts> parts);
    std::unique_ptr<Parts> parts_;
};

}  // namespace braid::backends::local
