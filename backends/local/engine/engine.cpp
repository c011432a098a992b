#include "backends/local/engine/engine.hpp"

#include <algorithm>
#include <optional>

#include "backends/local/cpu/thread_pool.hpp"

namespace braid::backends::local {

// Declaration order is destruction order reversed: the scheduler goes first, the model last.
struct Engine::Parts {
    LoadedModel model;
    Tokenizer tokenizer;
    std::optional<ChatTemplate> chat_template;
    ThreadPool threads;
    Forward forward;
    BlockPool pool;
    std::optional<PrefixCache> cache;  // holds blocks of `pool`; the scheduler may evict from it
    Scheduler scheduler;

    Parts(LoadedModel m, Tokenizer t, std::optional<ChatTemplate> c, const EngineOptions& options,
          std::size_t n_blocks, asio::any_io_executor executor)
        : model(std::move(m)),
          tokenizer(std::move(t)),
          chat_template(std::move(c)),
          threads(options.threads),
          forward(model.weights, &threads),
          pool(forward.kv_layout(), n_blocks),
          scheduler(forward, pool, tokenizer, std::move(executor),
                    SchedulerOptions{options.chunk_tokens}) {
        if (options.prefix_cache) {
            cache.emplace(options.prefix_cache_entries);
            scheduler.set_reclaimer([c = &*cache] { return c->evict_one(); });
        }
    }
};

Result<std::unique_ptr<Engine>> Engine::open(const std::filesystem::path& path,
                                             EngineOptions options,
                                             asio::any_io_executor executor) {
    auto model = load_model(path);
    if (!model) return std::move(model).error();
    if (!model->tokenizer)
        return make_error(
            ErrorCode::invalid_input,
            path.string() + ": no tokenizer in the model file (the local engine needs a GGUF)");
    std::string jinja = model->tokenizer->chat_template;
    auto tokenizer = Tokenizer::create(std::move(*model->tokenizer));
    if (!tokenizer) return Error(tokenizer.error()).with_context(path.string());
    std::optional<ChatTemplate> chat;
    if (auto detected = detect_chat_template(jinja)) chat = std::move(*detected);
    if (options.chunk_tokens == 0)
        return make_error(ErrorCode::invalid_input, "chunk_tokens must be positive");

    KvLayout layout = KvLayout::from_config(model->weights.config);
    std::size_t n_blocks = options.kv_blocks;
    if (n_blocks == 0) n_blocks = options.kv_bytes / layout.bytes_per_block();
    if (n_blocks < 2)
        return make_error(ErrorCode::invalid_input,
                          "KV pool too small: " + std::to_string(n_blocks) + " blocks");
    auto parts = std::make_unique<Parts>(std::move(*model), std::move(*tokenizer), std::move(chat),
                                         options, n_blocks, std::move(executor));
    return std::unique_ptr<Engine>(new Engine(std::move(parts)));
}

Engine::Engine(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Engine::~Engine() = default;

asio::awaitable<Result<Session>> Engine::prefill(std::vector<std::int32_t> tokens) {
    if (tokens.empty())
        co_return make_error(ErrorCode::invalid_input, "prefill needs at least one token");
    std::int32_t last = tokens.back();
    tokens.pop_back();
    GenerateRequest request;
    request.prompt = std::move(tokens);
    auto done = co_await parts_->scheduler.generate(std::move(request));
    if (!done) co_return std::move(done).error();
    co_return Session(std::move(*done->sequence), {last});
}

Session Engine::fork(const Session& parent, ForkMode mode) const {
    return Session(parent.sequence_.fork(mode), parent.pending_);
}

Result<Session> Engine::merge(std::span<const Session* const> parents) const {
    std::vector<const KvSequence*> sequences;
    for (const Session* s : parents) sequences.push_back(&s->sequence_);
    auto merged = KvSequence::merge(sequences);
    if (!merged) return std::move(merged).error();
    return Session(std::move(*merged), {});
}

asio::awaitable<Result<Decoded>> Engine::decode(Session session, DecodeRequest request) {
    GenerateRequest generate;
    generate.context.emplace(std::move(session.sequence_));
    generate.prompt = std::move(session.pending_);
    generate.prompt.insert(generate.prompt.end(), request.prompt.begin(), request.prompt.end());
    generate.pick = std::move(request.pick);
    generate.max_tokens = request.max_tokens;
    generate.stop = std::move(request.stop);
    generate.on_text = std::move(request.on_text);
    auto done = co_await parts_->scheduler.generate(std::move(generate));
    if (!done) co_return std::move(done).error();
    co_return Decoded{std::move(done->tokens), std::move(done->choices), std::move(done->text),
                      std::move(done->finish_reason), std::move(done->stop_sequence),
                      Session(std::move(*done->sequence), std::move(done->pending))};
}

const Tokenizer& Engine::tokenizer() const {
    return parts_->tokenizer;
}
const ModelConfig& Engine::config() const {
    return parts_->forward.config();
}
const std::optional<ChatTemplate>& Engine::chat_template() const {
    return parts_->chat_template;
}
BlockPool& Engine::pool() {
    return parts_->pool;
}
Scheduler& Engine::scheduler() {
    return parts_->scheduler;
}
PrefixCache* Engine::prefix_cache() {
    return parts_->cache ? &*parts_->cache : nullptr;
}

}  // namespace braid::backends::local
