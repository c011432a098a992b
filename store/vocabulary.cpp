#include "store/vocabulary.hpp"

#include <string>

namespace braid::store {

namespace {

Error unknown_name(std::string_view vocabulary, std::string_view name, const std::string& known) {
    return make_error(ErrorCode::parse, "unknown " + std::string(vocabulary) + " '" +
                                            std::string(name) + "' (known: " + known + ")");
}

// "a, b, c": the names of `values`.
template <class Enum, std::size_t N>
std::string known_names(const std::array<Enum, N>& values) {
    std::string known;
    for (Enum value : values) known += (known.empty() ? "" : ", ") + std::string(to_string(value));
    return known;
}

// The value of `values` named `name`, or a parse error listing the names of `values`.
template <class Enum, std::size_t N>
Result<Enum> parse_name(std::string_view name, const std::array<Enum, N>& values,
                        std::string_view vocabulary) {
    for (Enum value : values)
        if (to_string(value) == name) return value;
    return unknown_name(vocabulary, name, known_names(values));
}

}  // namespace

bool is_terminal(NodeStatus status) {
    switch (status) {
        case NodeStatus::created:
        case NodeStatus::running:
            return false;
        case NodeStatus::finished:
        case NodeStatus::failed:
        case NodeStatus::cancelled:
        case NodeStatus::skipped:
            return true;
    }
    return false;
}

std::string_view to_string(RunStatus status) {
    switch (status) {
        case RunStatus::running:
            return "running";
        case RunStatus::finished:
            return "finished";
        case RunStatus::budget_exhausted:
            return "budget_exhausted";
        case RunStatus::interrupted:
            return "interrupted";
    }
    return "";
}

std::string_view to_string(NodeStatus status) {
    switch (status) {
        case NodeStatus::created:
            return "created";
        case NodeStatus::running:
            return "running";
        case NodeStatus::finished:
            return "finished";
        case NodeStatus::failed:
            return "failed";
        case NodeStatus::cancelled:
            return "cancelled";
        case NodeStatus::skipped:
            return "skipped";
    }
    return "";
}

std::string_view to_string(NodeKind kind) {
    switch (kind) {
        case NodeKind::run:
            return "run";
        case NodeKind::task:
            return "task";
        case NodeKind::thread:
            return "thread";
        case NodeKind::call:
            return "call";
        case NodeKind::sample:
            return "sample";
        case NodeKind::attempt:
            return "attempt";
        case NodeKind::path:
            return "path";
        case NodeKind::search:
            return "search";
        case NodeKind::step:
            return "step";
        case NodeKind::stage:
            return "stage";
        case NodeKind::tool:
            return "tool";
        case NodeKind::judge:
            return "judge";
        case NodeKind::select:
            return "select";
        case NodeKind::join:
            return "join";
        case NodeKind::verify:
            return "verify";
    }
    return "";
}

std::string_view to_string(EdgeKind kind) {
    switch (kind) {
        case EdgeKind::spawn:
            return "spawn";
        case EdgeKind::join:
            return "join";
        case EdgeKind::depends:
            return "depends";
    }
    return "";
}

std::string_view to_string(TaskStatus status) {
    switch (status) {
        case TaskStatus::solved:
            return "solved";
        case TaskStatus::unsolved:
            return "unsolved";
        case TaskStatus::failed:
            return "failed";
        case TaskStatus::budget_exhausted:
            return "budget_exhausted";
    }
    return "";
}

std::string_view outcome_name(std::optional<TaskStatus> outcome) {
    return outcome ? to_string(*outcome) : kPendingOutcome;
}

Result<RunStatus> parse_run_status(std::string_view name) {
    return parse_name(name, kRunStatuses, "run status");
}

Result<NodeStatus> parse_node_status(std::string_view name) {
    return parse_name(name, kNodeStatuses, "node status");
}

Result<NodeKind> parse_node_kind(std::string_view name) {
    return parse_name(name, kNodeKinds, "node kind");
}

Result<EdgeKind> parse_edge_kind(std::string_view name) {
    return parse_name(name, kEdgeKinds, "edge kind");
}

Result<TaskStatus> parse_task_status(std::string_view name) {
    return parse_name(name, kTaskStatuses, "task status");
}

Result<std::optional<TaskStatus>> parse_outcome(std::string_view name) {
    if (name == kPendingOutcome) return std::optional<TaskStatus>();
    for (TaskStatus status : kTaskStatuses)
        if (to_string(status) == name) return std::optional<TaskStatus>(status);
    return unknown_name("task outcome", name,
                        std::string(kPendingOutcome) + ", " + known_names(kTaskStatuses));
}

}  // namespace braid::store
