#pragma once
// The AgentTTS-style proposer (reference §5): a language model, through any backend, reads the
// search space, the budget and the archive of trials (configuration, accuracy, cost) and replies
// with a short rationale and the next configuration as a JSON object on its last line. A reply
// that does not parse, names a choice the space lacks, is over budget or was already tried is
// answered with what was wrong and asked again, at most `attempts` times; then the proposer gives
// up (nullopt) and the search ends.
//
// Each call is a plain completion on the backend (temperature and seed fixed per call index, so a
// scripted or seeded model gives the same proposals again); the calls are not run nodes.

#include <cstdint>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "backends/backend.hpp"
#include "search/search_methods.hpp"

namespace braid::search {

struct AgentProposerOptions {
    std::string model;            // sent with each request ("" for stand-in backends)
    std::string budget;           // "usd=50", shown to the model
    std::size_t dev_tasks = 0;    // shown to the model
    int attempts = 3;             // replies per proposal before giving up
    std::int64_t max_tokens = 512;
    double temperature = 0.7;
    std::uint64_t seed = 0;
};

class AgentProposer final : public Proposer {
public:
    // Borrowed: `io` runs the backend's calls; both outlive the proposer.
    AgentProposer(backends::Backend& backend, asio::io_context& io, AgentProposerOptions options);

    std::optional<Config> propose(const SearchContext& context) override;

    std::size_t calls() const { return calls_; }
    Usage usage() const { return usage_; }
    // The model's rationale for each accepted proposal, in order.
    const std::vector<std::string>& rationales() const { return rationales_; }

private:
    std::string prompt(const SearchContext& context) const;

    backends::Backend& backend_;
    asio::io_context& io_;
    AgentProposerOptions options_;
    std::size_t calls_ = 0;
    Usage usage_;
    std::vector<std::string> rationales_;
};

// The configuration in `reply`: the last JSON object in it that parses and that `space` accepts;
// the text before it is the rationale. Errors (invalid_input) say why none does.
Result<Config> parse_proposal(const SearchSpace& space, std::string_view reply, std::string* rationale = nullptr);

}  // namespace braid::search
