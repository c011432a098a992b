// LLMCompiler (reference/parallel.md §4): a planner call writes a numbered plan of tool calls; the
// streaming parser hands each step to the Task Fetching Unit as soon as its line is complete, so
// tools run while the planner still writes, independent ones concurrently; a joiner call reads the
// scratchpad and finishes or asks for a replan, at most --max-replans times (the last round must
// finish). The joiner's Finish(answer) is the task's one candidate, graded by the task kind.
//
// Nodes, below the task node:  r<k> (kind "thread", one per round)
//                                ├ r<k>/plan  (kind "call": the planner)
//                                ├ r<k>/t<N>  (kind "tool": step N; "depends" edges from its deps)
//                                └ r<k>/join  (kind "call": the joiner; "join" edges from the
//                                tools)
// A malformed plan, an unparsable joiner reply or a Replan with no replans left fails the round's
// thread node with the reason and the task ends "unsolved" with it as its error (malformed model
// output is an expected outcome, not an infrastructure failure); a planner or joiner call that
// fails (backend error) ends it "failed", a refused budget "budget_exhausted". The run goes on.
#include <algorithm>
#include <chrono>
#include <set>

#include <asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/llmcompiler/prompts.hpp"
#include "planner/strategies.hpp"
#include "store/store.hpp"
#include "workers/generation.hpp"
#include "workers/tools/tool_registry.hpp"

namespace braid::planner {

namespace {

using llmcompiler::JoinerDecision;
using llmcompiler::PlanStep;
using llmcompiler::StreamingPlanParser;
using llmcompiler::TaskFetchingUnit;

constexpr std::string_view kRule = "best-score:checker";

class LlmCompilerStrategy final : public Strategy {
public:
    LlmCompilerStrategy(StrategyOptions options,
                        std::unique_ptr<workers::tools::ToolRegistry> tools)
        : options_(std::move(options)), tools_(std::move(tools)) {}

    std::string_view name() const override { return "llmcompiler"; }
    std::string_view selection_rule() const override { return kRule; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
    std::unique_ptr<workers::tools::ToolRegistry> tools_;
};

std::vector<std::string> tool_names(const workers::tools::ToolRegistry& registry) {
    std::vector<std::string> names;
    for (const workers::tools::Tool* t : registry.tools()) names.emplace_back(t->name());
    return names;
}

// Counts one call: its completion tokens, and its prompt tokens less the share of the prompt an
// earlier call of the same role already sent (`previous`: a replanner repeats the planner's
// prompt, a later joiner the earlier joiner's scratchpad), scaled from characters to tokens.
// Every call of this strategy is on the critical path (tools spend no tokens), so both add it.
void count_call(PlanMetrics& m, std::string& previous, const std::string& prompt,
                const backends::Completion& c) {
    auto b = std::mismatch(previous.begin(), previous.end(), prompt.begin(), prompt.end()).second;
    const auto shared = static_cast<double>(b - prompt.begin());
    const double fresh = prompt.empty() ? 1.0 : 1.0 - shared / static_cast<double>(prompt.size());
    const auto prompt_tokens =
        static_cast<std::int64_t>(static_cast<double>(c.usage.prompt_tokens) * fresh);
    m.total_tokens += prompt_tokens + c.usage.completion_tokens;
    m.critical_path_tokens += prompt_tokens + c.usage.completion_tokens;
    ++m.model_calls;
    previous = prompt;
}

workers::GenerationStep call_step(const workers::RunServices& services,
                                  const StrategyOptions& options, NodeId node,
                                  Ledger::AccountId account, std::string path, std::string prompt,
                                  std::vector<std::string> stops) {
    workers::GenerationStep step;
    step.node = node;
    step.account = account;
    step.request.model = services.model;
    step.request.prompt = std::move(prompt);
    step.request.sampling.max_tokens = options.max_tokens;
    step.request.sampling.temperature = options.temperature;
    step.request.sampling.seed = workers::node_seed(services.run_seed, path);
    step.request.sampling.stop = std::move(stops);
    return step;
}

store::TaskStatus status_of(const Error& e) {
    return e.code == ErrorCode::budget_exhausted ? store::TaskStatus::budget_exhausted
                                                 : store::TaskStatus::failed;
}

asio::awaitable<TaskOutcome> LlmCompilerStrategy::solve(workers::RunServices& services,
                                                        TaskScope scope) {
    const auto started = std::chrono::steady_clock::now();
    // Cancellation (the run's wall-clock budget) must end this coroutine with an outcome, not an
    // exception: calls return ErrorCode::cancelled and the loop below stops on it.
    co_await asio::this_coro::throw_if_cancelled(false);
    store::RunRecorder& rec = services.recorder;
    const tasks::Task& task = *scope.task;
    const std::string question = scope.kind->prompt(task);
    const auto tools = tools_->tools();
    auto executor = co_await asio::this_coro::executor;
    TaskFetchingUnit tfu(executor, *tools_, rec);

    TaskOutcome outcome;
    outcome.metrics.max_depth = 1;
    std::string joiner_thought;
    std::string previous_planner_prompt, previous_joiner_prompt;  // for count_call
    NodeId previous_joiner;
    std::optional<std::string> failure;
    std::optional<verifiers::Candidate> answer;

    for (int round = 0; round <= options_.max_replans && !failure && !answer; ++round) {
        const bool final_round = round == options_.max_replans;
        const std::string rpath = scope.path + "/r" + std::to_string(round);
        NodeId thread = rec.create_node(scope.node, rpath, store::NodeKind::thread,
                                        "plan round " + std::to_string(round));
        rec.set_status(thread, store::NodeStatus::running);
        ++outcome.metrics.threads;
        auto fail_round = [&](std::string why, store::TaskStatus status) {
            rec.set_status(thread,
                           status == store::TaskStatus::budget_exhausted
                               ? store::NodeStatus::skipped
                               : store::NodeStatus::failed,
                           json_text(nlohmann::json{{"reason", why}}));
            outcome.status = status;
            failure = std::move(why);
        };

        // Plan: stream the planner; every complete step line goes to the fetching unit at once.
        std::set<int> earlier;
        for (const auto& [id, run] : tfu.runs()) earlier.insert(id);
        int next_id = earlier.empty() ? 1 : *earlier.rbegin() + 1;
        std::string prompt = round == 0 ? llmcompiler::planner_prompt(tools, question)
                                        : llmcompiler::replanner_prompt(
                                              tools, question, llmcompiler::scratchpad(tfu.runs()),
                                              joiner_thought, next_id);
        const std::string planner_prompt_sent = prompt;
        NodeId planner = rec.create_node(thread, rpath + "/plan", store::NodeKind::call, "planner");
        if (previous_joiner.value != 0)
            rec.add_edge(previous_joiner, planner, store::EdgeKind::depends);
        StreamingPlanParser parser(tool_names(*tools_), earlier);
        std::vector<PlanStep> plan;
        auto dispatch = [&](std::vector<PlanStep> steps) {
            for (PlanStep& s : steps) {
                if (!s.is_join())
                    tfu.submit(s, thread, planner, rpath + "/t" + std::to_string(s.id));
                plan.push_back(std::move(s));
            }
        };
        workers::GenerationStep step = call_step(
            services, options_, planner, services.ledger.open(scope.account, rpath + "/plan"),
            rpath + "/plan", std::move(prompt), {std::string(llmcompiler::kEndOfPlan)});
        std::size_t streamed = 0;
        step.on_chunk = [&](std::string_view chunk) {
            streamed += chunk.size();
            dispatch(parser.feed(chunk));
        };
        auto planning = workers::generate(services, std::move(step));
        Result<backends::Completion> plan_reply = co_await std::move(planning);
        if (!plan_reply) {
            co_await tfu.wait_idle();
            fail_round("planner call failed: " + plan_reply.error().describe(),
                       status_of(plan_reply.error()));
            break;
        }
        count_call(outcome.metrics, previous_planner_prompt, planner_prompt_sent, *plan_reply);
        // A reply served from the store may not have streamed: feed what the parser has not seen.
        if (streamed < plan_reply->text.size())
            dispatch(parser.feed(std::string_view(plan_reply->text).substr(streamed)));
        dispatch(parser.finish());
        co_await tfu.wait_idle();
        rec.event(thread, "plan",
                  json_text(nlohmann::json{{"steps", plan.size()}, {"joined", parser.joined()}}));
        if (parser.failed()) {
            fail_round("malformed plan: " + parser.failure(), store::TaskStatus::unsolved);
            break;
        }
        if (co_await async::cancelled()) {
            fail_round("cancelled before the joiner ran", store::TaskStatus::failed);
            break;
        }

        // Join: the joiner reads every observation so far and finishes or asks for a replan.
        NodeId joiner = rec.create_node(thread, rpath + "/join", store::NodeKind::call, "joiner");
        rec.add_edge(planner, joiner, store::EdgeKind::depends);
        for (const PlanStep& s : plan)
            if (!s.is_join()) rec.add_edge(tfu.runs().at(s.id).node, joiner, store::EdgeKind::join);
        const std::string joiner_prompt_sent =
            llmcompiler::joiner_prompt(question, llmcompiler::scratchpad(tfu.runs()), final_round);
        workers::GenerationStep join_step = call_step(
            services, options_, joiner, services.ledger.open(scope.account, rpath + "/join"),
            rpath + "/join", joiner_prompt_sent, {});
        auto joining = workers::generate(services, std::move(join_step));
        Result<backends::Completion> join_reply = co_await std::move(joining);
        if (!join_reply) {
            fail_round("joiner call failed: " + join_reply.error().describe(),
                       status_of(join_reply.error()));
            break;
        }
        count_call(outcome.metrics, previous_joiner_prompt, joiner_prompt_sent, *join_reply);
        previous_joiner = joiner;
        std::optional<JoinerDecision> decision = llmcompiler::parse_joiner_reply(join_reply->text);
        if (!decision) {
            fail_round("the joiner's reply has neither Action: Finish(...) nor Action: Replan(...)",
                       store::TaskStatus::unsolved);
            break;
        }
        if (decision->kind == JoinerDecision::Kind::replan && final_round) {
            fail_round("the joiner asked to replan with no replans left (--max-replans " +
                           std::to_string(options_.max_replans) + ")",
                       store::TaskStatus::unsolved);
            break;
        }
        const bool finish = decision->kind == JoinerDecision::Kind::finish;
        rec.set_status(thread, store::NodeStatus::finished,
                       json_text(nlohmann::json{{"decision", finish ? "finish" : "replan"},
                                                {"content", decision->content}}));
        if (finish) {
            verifiers::Candidate c;
            c.node = joiner;
            c.output = "Finish(" + decision->content + ")";
            c.completion_tokens = join_reply->usage.completion_tokens;
            answer = std::move(c);
        } else {
            joiner_thought = decision->thought.empty() ? decision->content : decision->thought;
        }
    }

    // The joiner's answer is the one candidate; without one the round's failure is the outcome.
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    std::vector<NodeId> joined;
    if (answer) {
        joined.push_back(answer->node);
        outcome.candidates.push_back(
            verdicts.record_candidate(answer->node, std::move(answer->output), answer->completion_tokens));
    }
    outcome.metrics.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    nlohmann::json event{{"tool_calls", tfu.runs().size()},
                         {"tool_critical_path_ms", tfu.critical_path_ms()},
                         {"metrics", to_json(outcome.metrics)}};
    if (failure) event["error"] = *failure;
    verdicts.select({.rule = std::string(kRule),
                     .label = "llmcompiler",
                     .joined = std::move(joined),
                     .fallback = {.status = outcome.status, .error = failure.value_or("")},
                     .event = std::move(event),
                     .failed = failure.has_value()},
                    outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_llmcompiler_strategy(std::string_view name,
                                                            const StrategyOptions& options) {
    if (name != "llmcompiler")
        return make_error(ErrorCode::internal,
                          "not the llmcompiler strategy: " + std::string(name));
    auto tools = workers::tools::make_tool_registry(options.workspace, options.tools_path);
    if (!tools) return std::move(tools).error();
    return std::unique_ptr<Strategy>(
        std::make_unique<LlmCompilerStrategy>(options, std::move(*tools)));
}

}  // namespace braid::planner
