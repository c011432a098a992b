#pragma once
// LocalBackend: the text-level Backend (backends/backend.hpp) over the local Engine, name "local".
//
// - Chat requests are rendered with the model's chat template (ChatML or Llama-3, recognised from
//   the GGUF `tokenizer.chat_template`; chat_template.hpp) and encoded with control tokens parsed.
//   A model without a recognised template gets the plain concatenation of the message contents,
//   separated by blank lines, with BOS as the tokenizer spec says. Prompt requests are raw text
//   (BOS as the spec says; control-token text is not parsed).
// - Sampling: max_tokens, temperature (0 = greedy), top_p, seed, stop strings, top_logprobs.
//   request.model and tools are ignored (one model; no tool-call parsing).
// - Usage counts are exact: prompt tokens as encoded, completion tokens as generated (an ending
//   end-of-generation token included, as vLLM counts it). finish_reason "stop" (end token or stop
//   string) or "length" (max_tokens).
// - Chunks stream through on_chunk on the executor; their concatenation is Completion::text.
// - Cancelling the awaiting coroutine drops the sequence and frees its KV blocks at once; the call
//   returns ErrorCode::cancelled.
// - Prefix cache (EngineOptions::prefix_cache, on by default): a prompt's tokens but the last get
//   their KV from earlier requests' prompt + generated tokens where they match (PrefixCache,
//   SharedPrefill: concurrent requests with one prompt prefill it once), and each finished
//   request's KV is offered to the cache. Results are bit-identical with and without it;
//   usage.cached_prompt_tokens counts the prompt tokens whose KV was re-used.
// - ParallelLayout (request.layout): the Multiverse reduce of layout_reduce.hpp, then the suffix is
//   fed and the continuation decoded as usual. Bad layouts are invalid_input.
// Threading: the executor given to open() must be the one complete() is awaited on.

#include <filesystem>
#include <memory>

#include "backends/backend.hpp"
#include "backends/local/engine/engine.hpp"
#include "backends/local/engine/shared_prefill.hpp"

namespace braid::backends::local {

class LocalBackend final : public Backend {
public:
    static Result<std::unique_ptr<LocalBackend>> open(const std::filesystem::path& model_path,
                                                      EngineOptions options,
                                                      asio::any_io_executor executor);
    explicit LocalBackend(std::unique_ptr<Engine> engine);
    ~LocalBackend() override;

    std::string_view name() const override { return "local"; }
    asio::awaitable<Result<Completion>> complete(CompletionRequest request,
                                                 ChunkSink on_chunk) override;

    // The token ids a request's prompt becomes (what usage.prompt_tokens counts).
    Result<std::vector<std::int32_t>> prompt_tokens(const CompletionRequest& request) const;
    Engine& engine() { return *engine_; }

private:
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<SharedPrefill> shared_;  // null when the engine has no prefix cache
};

// The picker for OpenAI-style sampling parameters (sampler.hpp): greedy at temperature 0, else
// seeded temperature + top-p sampling; logprobs when top_logprobs >= 0. top_k, min_p and
// repetition_penalty from extra_json are not read yet.
TokenPicker picker_for(const SamplingParams& sampling);

}  // namespace braid::backends::local
