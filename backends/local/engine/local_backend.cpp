#include "backends/local/engine/local_backend.hpp"

#include <algorithm>
#include <chrono>

#include "backends/local/engine/layout_reduce.hpp"

namespace braid::backends::local {

Result<std::unique_ptr<LocalBackend>> LocalBackend::open(const std::filesystem::path& model_path,
                                                         EngineOptions options,
                                                         asio::any_io_executor executor) {
    auto engine = Engine::open(model_path, options, std::move(executor));
    if (!engine) return std::move(engine).error();
    return std::make_unique<LocalBackend>(std::move(*engine));
}

LocalBackend::LocalBackend(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {
    if (PrefixCache* cache = engine_->prefix_cache())
        shared_ = std::make_unique<SharedPrefill>(engine_->scheduler(), *cache, engine_->pool());
}

LocalBackend::~LocalBackend() = default;

Result<std::vector<std::int32_t>> LocalBackend::prompt_tokens(
    const CompletionRequest& request) const {
    const Tokenizer& tokenizer = engine_->tokenizer();
    if (request.messages.empty()) return tokenizer.encode(request.prompt);
    if (const auto& chat = engine_->chat_template()) {
        auto text = apply_chat_template(*chat, request.messages, true);
        if (!text) return std::move(text).error();
        return tokenizer.encode(*text, EncodeOptions{.add_special = false, .parse_special = true});
    }
    std::string joined;
    for (const Message& m : request.messages) joined += (joined.empty() ? "" : "\n\n") + m.content;
    return tokenizer.encode(joined);
}

asio::awaitable<Result<Completion>> LocalBackend::complete(CompletionRequest request,
                                                           ChunkSink on_chunk) {
    auto started = std::chrono::steady_clock::now();
    if (request.sampling.max_tokens <= 0)
        co_return make_error(ErrorCode::invalid_input, "max_tokens must be positive");

    GenerateRequest generate;
    std::int64_t n_prompt = 0;
    std::size_t reused = 0;
    if (request.layout) {
        auto split = layout_tokens(engine_->tokenizer(), request);
        if (!split) co_return std::move(split).error();
        n_prompt = static_cast<std::int64_t>(split->size());
        ReduceParts parts{engine_->scheduler(), engine_->pool(), engine_->prefix_cache(),
                          shared_.get()};
        auto reduced = co_await reduce_context(parts, *split);
        if (!reduced) co_return std::move(reduced).error();
        reused = reduced->reused_tokens;
        generate.context.emplace(std::move(reduced->sequence));
        generate.prompt = std::move(split->suffix);
    } else {
        auto prompt = prompt_tokens(request);
        if (!prompt) co_return std::move(prompt).error();
        if (prompt->empty())
            co_return make_error(ErrorCode::invalid_input, "the prompt encodes to no tokens");
        n_prompt = static_cast<std::int64_t>(prompt->size());
        if (shared_) {
            // Every token but the last from the cache (or prefilled and committed to it); the last
            // is fed with the decode so that its logits pick the first token.
            std::int32_t last = prompt->back();
            prompt->pop_back();
            auto context = co_await shared_->context(std::move(*prompt));
            if (!context) co_return std::move(context).error();
            reused = context->reused_tokens;
            generate.context.emplace(std::move(context->sequence));
            generate.prompt = {last};
        } else {
            generate.prompt = std::move(*prompt);
        }
    }
    generate.pick = picker_for(request.sampling);
    generate.max_tokens = request.sampling.max_tokens;
    generate.stop = request.sampling.stop;
    generate.on_text = std::move(on_chunk);
    auto done = co_await engine_->scheduler().generate(std::move(generate));
    if (!done) co_return std::move(done).error();
    if (PrefixCache* cache = engine_->prefix_cache()) cache->insert(*done->sequence);

    Completion completion;
    completion.text = std::move(done->text);
    completion.finish_reason = done->finish_reason;
    completion.stop_sequence = done->stop_sequence;
    completion.usage.prompt_tokens = n_prompt;
    completion.usage.cached_prompt_tokens = static_cast<std::int64_t>(reused);
    completion.usage.completion_tokens = static_cast<std::int64_t>(done->tokens.size());
    if (request.sampling.top_logprobs >= 0) {
        const Tokenizer& tokenizer = engine_->tokenizer();
        auto text_of = [&](std::int32_t id) {
            std::int32_t one[1] = {id};
            return tokenizer.decode(
                one, DecodeOptions{.render_special = true, .remove_space_prefix = false});
        };
        for (const TokenChoice& c : done->choices) {
            backends::TokenLogprob lp{text_of(c.token), c.logprob, {}};
            for (const auto& [id, value] : c.top) lp.top.emplace_back(text_of(id), value);
            completion.logprobs.push_back(std::move(lp));
        }
    }
    completion.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    co_return completion;
}

TokenPicker picker_for(const SamplingParams& sampling) {
    SamplingConfig config;
    config.temperature = static_cast<float>(std::max(0.0, sampling.temperature));
    config.top_p =
        static_cast<float>(sampling.top_p > 0 && sampling.top_p < 1 ? sampling.top_p : 1.0);
    config.seed = sampling.seed;
    config.logprobs = sampling.top_logprobs >= 0;
    config.top_logprobs = std::max(0, sampling.top_logprobs);
    return sampler_picker(config);
}

}  // namespace braid::backends::local
