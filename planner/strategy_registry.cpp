// make_strategy: the table of every strategy braid knows, with its selection rule for replay.
#include "planner/strategies.hpp"

namespace braid::planner {

namespace {

using Factory = Result<std::unique_ptr<Strategy>> (*)(std::string_view, const StrategyOptions&);

struct Entry {
    std::string_view name;
    std::string_view rule;  // what replay re-applies to stored candidates
    Factory make;
    bool takes_verifier = false;  // --verifier may replace `rule`
};

constexpr Entry entries[] = {
    {"best-of-n", "best-score:checker", make_sampling_strategy, true},
    {"self-consistency", "majority", make_sampling_strategy, true},
    {"first-finish", "first-finish", make_sampling_strategy, true},
    {"apr", "best-score:checker", make_apr_strategy},
    {"beam", "best-score:search", make_search_strategy},
    {"tree", "best-score:search", make_search_strategy},
    {"refine", "best-score:refine", make_search_strategy},
    {"multiverse", "majority", make_multiverse_strategy},
    {"llmcompiler", "best-score:checker", make_llmcompiler_strategy},
    {"swe", "hybrid", make_swe_strategy, true},
};

const Entry* find(std::string_view name) {
    for (const Entry& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

Error unknown(std::string_view name) {
    std::string known;
    for (const std::string& n : strategy_names()) known += (known.empty() ? "" : ", ") + n;
    return make_error(ErrorCode::invalid_input, "unknown strategy '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name, StrategyOptions options) {
    if (auto valid = options.validate(); !valid) return std::move(valid).error();
    const Entry* e = find(name);
    if (!e) return unknown(name);
    if (!options.verifier.empty() && !e->takes_verifier)
        return make_error(ErrorCode::invalid_input,
                          "--verifier applies to best-of-n, self-consistency, first-finish and swe; strategy '" +
                              std::string(name) + "' selects with its own rule (" + std::string(e->rule) + ")");
    return e->make(name, options);
}

std::vector<std::string> strategy_names() {
    std::vector<std::string> names;
    for (const Entry& e : entries) names.emplace_back(e.name);
    return names;
}

Result<std::string> selection_rule_of(std::string_view strategy_name, const StrategyOptions& options) {
    const Entry* e = find(strategy_name);
    if (!e) return unknown(strategy_name);
    if (e->takes_verifier && !options.verifier.empty()) return options.verifier;
    // swe with a selection thread: its choice first ("selector" falls back to hybrid).
    if (e->make == make_swe_strategy && options.selector) return std::string("selector");
    return std::string(e->rule);
}

}  // namespace braid::planner
