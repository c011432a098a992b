#include "workers/thread_loop.hpp"
#include "core/json_text.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace braid::workers {

namespace {

std::size_t common_prefix(std::string_view a, std::string_view b) {
    auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
    return static_cast<std::size_t>(ia - a.begin());
}

// Prompt tokens of a call that the previous call had not processed. The previous call processed
// its prompt and completion (`before`, `before_tokens`); the part of the new prompt it shares with
// that context is scaled from characters to tokens.
std::int64_t new_prompt_tokens(std::string_view before, std::int64_t before_tokens,
                               std::string_view prompt, std::int64_t prompt_tokens) {
    if (before.empty()) return prompt_tokens;
    std::size_t shared = common_prefix(before, prompt);
    auto shared_tokens = static_cast<std::int64_t>(static_cast<double>(before_tokens) *
                                                   static_cast<double>(shared) /
                                                   static_cast<double>(before.size()));
    return std::max<std::int64_t>(0, prompt_tokens - shared_tokens);
}

// The thread node's final status for how the thread ended: a thread cut at its token cap
// finished, one refused by the budget was skipped.
store::NodeStatus node_status(ThreadStatus status) {
    switch (status) {
        case ThreadStatus::finished:
        case ThreadStatus::length:
            return store::NodeStatus::finished;
        case ThreadStatus::failed:
            return store::NodeStatus::failed;
        case ThreadStatus::cancelled:
            return store::NodeStatus::cancelled;
        case ThreadStatus::budget_exhausted:
            return store::NodeStatus::skipped;
    }
    return store::NodeStatus::finished;
}

}  // namespace

std::string_view to_string(ThreadStatus status) {
    switch (status) {
        case ThreadStatus::finished:
            return "finished";
        case ThreadStatus::length:
            return "length";
        case ThreadStatus::failed:
            return "failed";
        case ThreadStatus::cancelled:
            return "cancelled";
        case ThreadStatus::budget_exhausted:
            return "budget_exhausted";
    }
    return "";
}

std::int64_t ThreadResult::unique_tokens() const {
    std::int64_t total = 0;
    for (const ThreadCall& c : calls) total += c.new_prompt_tokens + c.completion_tokens;
    return total;
}

asio::awaitable<Result<ThreadResult>> run_thread(RunServices& services, ThreadSpec spec,
                                                 TriggerHandler handler) {
    store::RunRecorder& rec = services.recorder;
    ThreadResult out;
    out.context.prompt = spec.request.prompt;
    out.context.text = spec.request.prompt;
    rec.set_status(spec.node, store::NodeStatus::running);

    std::vector<std::string> stops = spec.request.sampling.stop;
    stops.insert(stops.end(), spec.triggers.begin(), spec.triggers.end());
    std::string processed;  // the context the previous call processed (prompt + completion)
    std::int64_t processed_tokens = 0;
    NodeId previous;

    auto end_thread = [&](ThreadStatus status, std::string reason) {
        out.status = status;
        out.reason = std::move(reason);
        nlohmann::json payload{{"calls", out.calls.size()},
                               {"completion_tokens", out.usage.completion_tokens}};
        if (!out.reason.empty()) payload["reason"] = out.reason;
        rec.set_status(spec.node, node_status(out.status), json_text(payload));
    };

    for (int k = 0;; ++k) {
        if (k >= spec.max_calls) {
            end_thread(ThreadStatus::failed,
                       "more than " + std::to_string(spec.max_calls) + " calls");
            co_return out;
        }
        std::int64_t left = spec.request.sampling.max_tokens;
        if (spec.max_thread_tokens > 0) left = std::min(left, spec.max_thread_tokens - out.usage.completion_tokens);
        if (left <= 0) {
            end_thread(ThreadStatus::length, "the thread's token cap is spent");
            co_return out;
        }

        if (out.context.layout) {  // a handler's bug, but the run goes on
            const backends::ParallelLayout& layout = *out.context.layout;
            std::size_t covered = layout.prefix_chars;
            for (std::size_t n : layout.path_chars) covered += n;
            if (layout.path_chars.size() < 2 || covered > out.context.text.size()) {
                end_thread(ThreadStatus::failed, "the parallel layout does not fit the context (" +
                                                     std::to_string(layout.path_chars.size()) +
                                                     " paths, " + std::to_string(covered) + " of " +
                                                     std::to_string(out.context.text.size()) +
                                                     " chars)");
                co_return out;
            }
        }

        GenerationStep step;
        std::string call_path = spec.path + "/c" + std::to_string(k);
        step.node = rec.create_node(spec.node, call_path, store::NodeKind::call,
                                    "call " + std::to_string(k));
        if (k > 0) rec.add_edge(previous, step.node, store::EdgeKind::depends);
        previous = step.node;
        step.account = spec.account;
        step.request = spec.request;
        step.request.prompt = out.context.text;
        step.request.origin = call_path;
        step.request.sampling.max_tokens = left;
        step.request.sampling.stop = stops;
        step.request.layout = std::move(out.context.layout);  // this call only
        out.context.layout.reset();

        Result<backends::Completion> done = co_await generate(services, std::move(step));
        if (!done) {
            const Error& e = done.error();
            if (e.code == ErrorCode::cancelled) {
                end_thread(ThreadStatus::cancelled, "");
                co_return std::move(done).error();
            }
            end_thread(e.code == ErrorCode::budget_exhausted ? ThreadStatus::budget_exhausted
                                                             : ThreadStatus::failed,
                       e.describe());
            co_return out;
        }

        ThreadCall call;
        call.node = previous;
        call.prompt_tokens = done->usage.prompt_tokens;
        call.new_prompt_tokens = new_prompt_tokens(processed, processed_tokens, out.context.text,
                                                   done->usage.prompt_tokens);
        call.completion_tokens = done->usage.completion_tokens;
        out.calls.push_back(call);
        out.usage += done->usage;

        out.context.text += done->text;
        processed = out.context.text;
        processed_tokens = done->usage.prompt_tokens + done->usage.completion_tokens;

        CallEnd end;
        end.finish_reason = done->finish_reason;
        end.completion = std::move(done->text);
        end.thread_completion_tokens = out.usage.completion_tokens;
        if (done->finish_reason == "stop" &&
            std::find(spec.triggers.begin(), spec.triggers.end(), done->stop_sequence) != spec.triggers.end())
            end.trigger = done->stop_sequence;

        LoopDecision decision = co_await handler(out.context, end);
        if (decision.kind == LoopDecision::Kind::fail) {
            end_thread(ThreadStatus::failed, decision.reason);
            co_return out;
        }
        if (decision.kind == LoopDecision::Kind::finish) {
            end_thread(
                end.finish_reason == "length" ? ThreadStatus::length : ThreadStatus::finished, "");
            co_return out;
        }
    }
}

}  // namespace braid::workers
