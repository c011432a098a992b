#include "workers/generation.hpp"

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/json_text.hpp"

namespace braid::workers {

namespace {
// Streamed text is recorded in chunks of about this many characters, so a long completion is a
// handful of events rather than one per token.
constexpr std::size_t tokens_event_chars = 1024;

// The model a request is billed as: its own, else the run's.
std::string_view billed_model(const RunServices& s, const backends::CompletionRequest& request) {
    return request.model.empty() ? std::string_view(s.model) : std::string_view(request.model);
}

// One call's Kinetics cost in eFLOPs and memory traffic, when the run knows its model's shape.
void add_compute(const RunServices& s, double prompt_tokens, double completion_tokens, Amount& a) {
    if (!s.compute.complete()) return;
    KineticsCost k = kinetics_cost(s.compute, prompt_tokens, completion_tokens, 1);
    a[BudgetUnit::flops] = k.total(s.intensity);
    a[BudgetUnit::bytes] = k.memory;
}
}  // namespace

std::uint64_t node_seed(std::uint64_t run_seed, std::string_view path) {
    return derive_seed(run_seed, path);
}

Amount worst_case(const RunServices& services, const backends::CompletionRequest& request) {
    Amount a;
    double prompt = static_cast<double>(backends::estimate_tokens(request.prompt));
    for (const Message& m : request.messages) prompt += static_cast<double>(backends::estimate_tokens(m.content));
    double completion = static_cast<double>(request.sampling.max_tokens);
    a[BudgetUnit::tokens] = prompt + completion;
    // Worst case: no prompt token is served from a cache.
    Usage worst;
    worst.prompt_tokens = static_cast<std::int64_t>(prompt);
    worst.completion_tokens = request.sampling.max_tokens;
    a[BudgetUnit::usd] = services.prices.cost_usd(billed_model(services, request), worst);
    a[BudgetUnit::samples] = 1;
    add_compute(services, prompt, completion, a);
    return a;
}

Amount actual_cost(const RunServices& services, const backends::CompletionRequest& request, const Usage& usage) {
    Amount a;
    a[BudgetUnit::tokens] = static_cast<double>(usage.total_tokens());
    a[BudgetUnit::usd] = services.prices.cost_usd(billed_model(services, request), usage);
    a[BudgetUnit::samples] = 1;
    add_compute(services, static_cast<double>(usage.prompt_tokens), static_cast<double>(usage.completion_tokens), a);
    return a;
}

asio::awaitable<Result<backends::Completion>> generate(RunServices& services, GenerationStep step) {
    store::RunRecorder& rec = services.recorder;
    rec.set_backend(step.node, std::string(services.backend.name()), step.request.model);

    auto reservation = services.ledger.reserve(step.account, worst_case(services, step.request));
    if (!reservation) {
        rec.set_status(step.node, store::NodeStatus::skipped,
                       json_text(nlohmann::json{{"reason", reservation.error().message}}));
        co_return std::move(reservation).error();
    }

    std::string key = step.request.key();
    rec.set_status(step.node, store::NodeStatus::running,
                   json_text(nlohmann::json{{"request", key}}));

    std::string pending;  // streamed text not yet recorded
    auto record_pending = [&] {
        if (pending.empty()) return;
        rec.event(step.node, "tokens", json_text(nlohmann::json{{"text", pending}}));
        pending.clear();
    };
    auto on_chunk = [&](std::string_view chunk) {
        if (step.on_chunk) step.on_chunk(chunk);
        pending.append(chunk);
        if (pending.size() >= tokens_event_chars) record_pending();
    };

    Result<backends::Completion> result = co_await services.backend.complete(step.request, on_chunk);
    record_pending();
    if (!result) {
        reservation->release();
        const Error& e = result.error();
        const store::NodeStatus status = e.code == ErrorCode::cancelled
                                             ? store::NodeStatus::cancelled
                                             : store::NodeStatus::failed;
        rec.set_status(step.node, status,
                       json_text(nlohmann::json{{"error", std::string(to_string(e.code))},
                                                {"message", e.message}}));
        co_return result;
    }

    // The ledger pays for attempts the server billed before this one succeeded, too.
    Usage billed = result->usage;
    billed += result->failed_attempts_usage;
    Amount cost = actual_cost(services, step.request, billed);
    reservation->settle(cost);
    rec.set_usage(step.node, result->usage, cost[BudgetUnit::usd]);
    rec.set_status(step.node, store::NodeStatus::finished,
                   json_text(nlohmann::json{
                       {"request", key},
                       {"finish_reason", result->finish_reason},
                       {"prompt_tokens", result->usage.prompt_tokens},
                       {"completion_tokens", result->usage.completion_tokens},
                       {"cost_usd", cost[BudgetUnit::usd]},
                       {"failed_attempts_tokens", result->failed_attempts_usage.total_tokens()},
                       {"from_store", result->from_store},
                       {"latency_ms", result->latency_ms}}));
    co_return result;
}

}  // namespace braid::workers
