#include "planner/strategy_options.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "verifiers/selection.hpp"

namespace braid::planner {

namespace {

Error bad(const std::string& flag, const std::string& rule) {
    return make_error(ErrorCode::invalid_input, flag + " " + rule);
}

}  // namespace

Result<void> StrategyOptions::validate() const {
    if (samples < 1 || samples > 100000) return bad("--samples", "must be between 1 and 100000");
    if (max_tokens < 1) return bad("--max-tokens", "must be positive");
    if (!std::isfinite(temperature) || temperature < 0)
        return bad("--temperature", "must be a finite number, not negative");
    if (max_depth < 1 || max_depth > 16) return bad("--max-depth", "must be between 1 and 16");
    if (max_children < 1) return bad("--max-children", "must be positive");
    if (max_threads < 1) return bad("--max-threads", "must be positive");
    if (max_spawns < 1) return bad("--max-spawns", "must be positive");
    if (thread_tokens < 0) return bad("--thread-tokens", "must not be negative");
    if (sub_call_budget < 0) return bad("--sub-call-budget", "must not be negative");
    if (child_token_budget < 0) return bad("--child-token-budget", "must not be negative");
    if (beam_width < 1) return bad("--beam-width", "must be positive");
    if (expansions < 1) return bad("--expansions", "must be positive");
    if (max_steps < 1) return bad("--max-steps", "must be positive");
    if (step_tokens < 1) return bad("--step-tokens", "must be positive");
    if (scorer != "checker" && scorer != "judge" && scorer != "heuristic")
        return bad("--scorer", "must be checker, judge or heuristic (got '" + scorer + "')");
    if (rounds < 0) return bad("--rounds", "must not be negative");
    if (max_replans < 0) return bad("--max-replans", "must not be negative");
    if (agent_steps < 1) return bad("--agent-steps", "must be positive");
    if (judge_samples < 0 || judge_samples > 64) return bad("--judge-samples", "must be between 0 and 64");
    if (!verifier.empty())
        if (auto known = verifiers::rule_verifiers(verifier); !known)
            return bad("--verifier", known.error().message);
    return {};
}

nlohmann::json to_json(const StrategyOptions& o) {
    return nlohmann::json{{"samples", o.samples},
                          {"max_tokens", o.max_tokens},
                          {"temperature", o.temperature},
                          {"max_depth", o.max_depth},
                          {"max_children", o.max_children},
                          {"max_threads", o.max_threads},
                          {"max_spawns", o.max_spawns},
                          {"thread_tokens", o.thread_tokens},
                          {"sub_call_budget", o.sub_call_budget},
                          {"child_token_budget", o.child_token_budget},
                          {"beam_width", o.beam_width},
                          {"expansions", o.expansions},
                          {"max_steps", o.max_steps},
                          {"step_tokens", o.step_tokens},
                          {"step_stop", o.step_stop},
                          {"scorer", o.scorer},
                          {"rounds", o.rounds},
                          {"max_replans", o.max_replans},
                          {"tools_path", o.tools_path},
                          {"workspace", o.workspace},
                          {"agent_steps", o.agent_steps},
                          {"repro_tests", o.repro_tests},
                          {"judge_samples", o.judge_samples},
                          {"selector", o.selector},
                          {"verifier", o.verifier}};
}

Result<StrategyOptions> strategy_options_from_json(const nlohmann::json& j) {
    StrategyOptions o;
    if (j.is_null()) return o;
    try {
        o.samples = j.value("samples", o.samples);
        o.max_tokens = j.value("max_tokens", o.max_tokens);
        o.temperature = j.value("temperature", o.temperature);
        o.max_depth = j.value("max_depth", o.max_depth);
        o.max_children = j.value("max_children", o.max_children);
        o.max_threads = j.value("max_threads", o.max_threads);
        o.max_spawns = j.value("max_spawns", o.max_spawns);
        o.thread_tokens = j.value("thread_tokens", o.thread_tokens);
        o.sub_call_budget = j.value("sub_call_budget", o.sub_call_budget);
        o.child_token_budget = j.value("child_token_budget", o.child_token_budget);
        o.beam_width = j.value("beam_width", o.beam_width);
        o.expansions = j.value("expansions", o.expansions);
        o.max_steps = j.value("max_steps", o.max_steps);
        o.step_tokens = j.value("step_tokens", o.step_tokens);
        o.step_stop = j.value("step_stop", o.step_stop);
        o.scorer = j.value("scorer", o.scorer);
        o.rounds = j.value("rounds", o.rounds);
        o.max_replans = j.value("max_replans", o.max_replans);
        o.tools_path = j.value("tools_path", o.tools_path);
        o.workspace = j.value("workspace", o.workspace);
        o.agent_steps = j.value("agent_steps", o.agent_steps);
        o.repro_tests = j.value("repro_tests", o.repro_tests);
        o.judge_samples = j.value("judge_samples", o.judge_samples);
        o.selector = j.value("selector", o.selector);
        o.verifier = j.value("verifier", o.verifier);
    } catch (const nlohmann::json::exception& e) {
        return make_error(ErrorCode::invalid_input, std::string("stored strategy options are unreadable: ") + e.what());
    }
    return o;
}

}  // namespace braid::planner
