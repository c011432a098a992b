#include "tasks/countdown/standin/apr_search.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "tasks/countdown/checker.hpp"

namespace braid::tasks::countdown {

namespace {

struct ThreadRun {
    std::vector<AprCall> calls;
    std::vector<std::vector<AprChild>> spawns;
    int threads = 1;
    int max_depth = 0;
    std::string text() const { return calls.back().prompt + calls.back().completion; }
};

// One thread to its end, its children run in turn; `level` is the thread's nesting (root 0).
ThreadRun run_thread(std::string prompt, std::uint64_t seed, int level, const AprOptions& options) {
    ThreadRun run;
    for (int spawn = 0;; ++spawn) {
        auto completion = apr_completion(prompt, seed, options);
        BRAID_ASSERT(completion.has_value(), "the APR model continues its own text");
        run.calls.push_back(AprCall{prompt, *completion});
        const std::string text = prompt + *completion;
        if (!ends_with_spawn(text)) return run;
        auto requests = parse_spawn(text);
        BRAID_ASSERT(requests.has_value(), "the APR model writes well-formed spawn blocks");
        std::vector<AprChild> children;
        std::vector<ChildResult> results;
        for (std::size_t i = 0; i < requests->size(); ++i) {
            const SpawnRequest& r = (*requests)[i];
            ThreadRun child = run_thread(r.prompt, apr_child_seed(seed, spawn, static_cast<int>(i)), level + 1, options);
            run.threads += child.threads;
            run.max_depth = std::max(run.max_depth, std::max(level + 1, child.max_depth));
            AprChild c;
            c.prompt = r.prompt;
            std::string child_text = child.text();
            c.completion = child_text.substr(r.prompt.size());
            c.result = child_result(r.state.node_id, child_text);
            results.push_back(c.result);
            children.push_back(std::move(c));
        }
        run.spawns.push_back(std::move(children));
        auto joined = splice_join(text, results, spawn_level(text));
        BRAID_ASSERT(joined.has_value(), "a spawn block can be joined");
        prompt = std::move(*joined);
    }
}

}  // namespace

std::string AprTrace::final_text() const {
    BRAID_ASSERT(!parent_calls.empty(), "AprTrace without parent calls");
    return parent_calls.back().prompt + parent_calls.back().completion;
}

AprTrace apr_search(const State& start, std::uint64_t seed, const AprOptions& options) {
    BRAID_ASSERT(options.min_beam_size >= 1 && options.min_beam_size <= options.max_beam_size &&
                     options.sub_call_beam_size >= 1,
                 "APR: bad beam sizes");
    ThreadRun run = run_thread(state_prompt(start), seed, 0, options);
    AprTrace trace;
    trace.parent_calls = std::move(run.calls);
    trace.spawns = std::move(run.spawns);
    trace.threads = run.threads;
    trace.max_depth = run.max_depth;
    CheckResult check = check_trace(start, trace.final_text());
    trace.solved = check.solved;
    if (check.solved) trace.solution = std::move(check.operations);
    return trace;
}

std::vector<RuntimeCall> render_runtime_calls(const AprTrace& trace) {
    std::vector<RuntimeCall> out;
    for (std::size_t k = 0; k < trace.parent_calls.size(); ++k) {
        out.push_back({"parent " + std::to_string(k), trace.parent_calls[k].prompt,
                       trace.parent_calls[k].completion});
        if (k >= trace.spawns.size()) continue;
        for (std::size_t i = 0; i < trace.spawns[k].size(); ++i) {
            const AprChild& c = trace.spawns[k][i];
            out.push_back(
                {"child " + std::to_string(k) + "." + std::to_string(i) + " #" + c.result.node_id,
                 c.prompt, c.completion});
        }
    }
    return out;
}

}  // namespace braid::tasks::countdown
