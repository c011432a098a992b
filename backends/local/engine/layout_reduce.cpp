#include "backends/local/engine/layout_reduce.hpp"

#include <optional>
#include <string>

#include "core/async.hpp"

namespace braid::backends::local {

namespace {

Error bad_layout(const std::string& why) {
    return make_error(ErrorCode::invalid_input, "parallel layout: " + why);
}

// Feeds `tokens` after `context` (a prefill: nothing is generated) and returns the longer context.
asio::awaitable<Result<KvSequence>> feed(Scheduler* scheduler, KvSequence context,
                                         std::vector<std::int32_t> tokens) {
    if (tokens.empty()) co_return std::move(context);
    GenerateRequest request;
    request.context.emplace(std::move(context));
    request.prompt = std::move(tokens);
    request.max_tokens = 0;
    auto done = co_await scheduler->generate(std::move(request));
    if (!done) co_return std::move(done).error();
    co_return std::move(*done->sequence);
}

// feed() for async::when_all, whose children's results must be default-constructible.
asio::awaitable<std::optional<Result<KvSequence>>> feed_path(Scheduler* scheduler,
                                                             KvSequence context,
                                                             std::vector<std::int32_t> tokens) {
    co_return co_await feed(scheduler, std::move(context), std::move(tokens));
}

// Copies into `path` (a fresh new_segment fork of the prefix) the KV the cache holds for the
// longest run of `tokens` right after `prefix`; returns how many tokens it copied. Such KV was
// computed at the same positions and seeing only the prefix, so it equals what a prefill would
// write. Nothing is copied when the pool is short (the path is then computed).
std::size_t copy_cached_path(PrefixCache& cache, BlockPool& pool,
                             const std::vector<std::int32_t>& prefix,
                             const std::vector<std::int32_t>& tokens, KvSequence& path) {
    std::vector<std::int32_t> wanted = prefix;
    wanted.insert(wanted.end(), tokens.begin(), tokens.end());
    PrefixCache::Hit hit = cache.lookup(wanted);
    if (hit.n_tokens <= prefix.size()) return 0;
    const std::size_t n = hit.n_tokens - prefix.size();
    auto slots = path.append(std::span<const std::int32_t>(tokens.data(), n));
    if (!slots) return 0;
    for (std::size_t i = 0; i < n; ++i) {
        const KvSlot from = hit.sequence->slot_of(prefix.size() + i);
        BRAID_ASSERT(from.position == (*slots)[i].position, "a cached path at another position");
        pool.copy_slot(from, (*slots)[i]);
    }
    return n;
}

}  // namespace

std::size_t LayoutTokens::size() const {
    std::size_t n = prefix.size() + suffix.size();
    for (const auto& path : paths) n += path.size();
    return n;
}

Result<LayoutTokens> layout_tokens(const Tokenizer& tokenizer, const CompletionRequest& request) {
    BRAID_ASSERT(request.layout.has_value(), "layout_tokens without a layout");
    const ParallelLayout& layout = *request.layout;
    const std::string& prompt = request.prompt;
    if (!request.messages.empty())
        return bad_layout("only for text-completion requests, not chat messages");
    if (layout.path_chars.size() < 2)
        return bad_layout("needs at least two paths, got " +
                          std::to_string(layout.path_chars.size()));
    if (layout.prefix_chars > prompt.size())
        return bad_layout("prefix of " + std::to_string(layout.prefix_chars) +
                          " characters is longer than the prompt (" +
                          std::to_string(prompt.size()) + ")");
    const EncodeOptions continuation{.add_special = false, .parse_special = false};
    LayoutTokens out;
    out.prefix = tokenizer.encode(prompt.substr(0, layout.prefix_chars));
    std::size_t at = layout.prefix_chars;
    for (std::size_t i = 0; i < layout.path_chars.size(); ++i) {
        const std::size_t n = layout.path_chars[i];
        if (n > prompt.size() - at)
            return bad_layout("path " + std::to_string(i) + " runs past the prompt's end");
        out.paths.push_back(tokenizer.encode(prompt.substr(at, n), continuation));
        if (out.paths.back().empty())
            return bad_layout("path " + std::to_string(i) + " encodes to no tokens");
        at += n;
    }
    out.suffix = tokenizer.encode(prompt.substr(at), continuation);
    if (out.suffix.empty())
        return bad_layout("the suffix (the text after the paths) encodes to no tokens");
    return out;
}

asio::awaitable<Result<Reduced>> reduce_context(ReduceParts parts, const LayoutTokens& tokens) {
    std::size_t reused = 0;
    std::optional<KvSequence> prefix;
    if (parts.shared) {
        auto context = co_await parts.shared->context(tokens.prefix);
        if (!context) co_return std::move(context).error();
        reused += context->reused_tokens;
        prefix.emplace(std::move(context->sequence));
    } else {
        auto fed = co_await feed(&parts.scheduler, KvSequence(parts.pool), tokens.prefix);
        if (!fed) co_return std::move(fed).error();
        prefix.emplace(std::move(*fed));
    }

    std::vector<asio::awaitable<std::optional<Result<KvSequence>>>> paths;
    for (const auto& path_tokens : tokens.paths) {
        KvSequence path = prefix->fork(ForkMode::new_segment);
        std::size_t copied = parts.cache ? copy_cached_path(*parts.cache, parts.pool, tokens.prefix,
                                                            path_tokens, path)
                                         : 0;
        reused += copied;
        std::vector<std::int32_t> rest(path_tokens.begin() + static_cast<std::ptrdiff_t>(copied),
                                       path_tokens.end());
        paths.push_back(feed_path(&parts.scheduler, std::move(path), std::move(rest)));
    }
    std::vector<std::optional<Result<KvSequence>>> fed = co_await async::when_all(std::move(paths));
    std::vector<const KvSequence*> parents;
    for (auto& path : fed) {
        if (!*path) co_return std::move(*path).error();
        parents.push_back(&**path);
    }
    auto merged = KvSequence::merge(parents);
    if (!merged) co_return std::move(merged).error();
    co_return Reduced{std::move(*merged), reused};
}

}  // namespace braid::backends::local
