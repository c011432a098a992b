#pragma once
// The Multiverse reduce for a text request with a ParallelLayout (backends/backend.hpp,
// reference/parallel.md §2.3), on the local engine.
//
// layout_tokens() splits the prompt into prefix, paths and suffix by the layout's character counts
// and tokenizes each piece on its own: the prefix as a prompt (BOS as the tokenizer spec says),
// paths and suffix as continuations (EncodeOptions{.add_special = false}; control-token text is
// not parsed, as for any prompt request). Errors (invalid_input): chat messages, fewer than two
// paths, counts past the prompt's end, a path or the suffix that encodes to no tokens.
//
// reduce_context() builds the reduced KV: the prefix's KV (SharedPrefill: from the prefix cache
// where present), then each path's KV computed seeing only the prefix, every path starting at the
// prefix's end position (ForkMode::new_segment; the paths run as one batch). A path whose tokens
// the cache holds right after the same prefix (its thread just generated them) has that KV copied
// instead of recomputed. KvSequence::merge then gives prefix + path 0 + ... + path n-1, with the
// next position after the longest path; the caller feeds the suffix and decodes from there.
// Errors: the Scheduler's. Threading: the engine's executor.

#include <cstdint>
#include <vector>

#include <asio/awaitable.hpp>

#include "backends/backend.hpp"
#include "backends/local/engine/shared_prefill.hpp"
#include "backends/local/tokenizer/tokenizer.hpp"

namespace braid::backends::local {

struct LayoutTokens {
    std::vector<std::int32_t> prefix;
    std::vector<std::vector<std::int32_t>> paths;
    std::vector<std::int32_t> suffix;
    std::size_t size() const;  // every token of the prompt
};

Result<LayoutTokens> layout_tokens(const Tokenizer& tokenizer, const CompletionRequest& request);

struct ReduceParts {
    Scheduler& scheduler;
    BlockPool& pool;
    PrefixCache* cache;     // null: no cache (nothing read from it)
    SharedPrefill* shared;  // null: the prefix is prefilled directly
};
struct Reduced {
    KvSequence sequence;            // prefix + paths, merged; feed the suffix next
    std::size_t reused_tokens = 0;  // prefix and path tokens whose KV was already there
};
asio::awaitable<Result<Reduced>> reduce_context(ReduceParts parts, const LayoutTokens& tokens);

}  // namespace braid::backends::local
