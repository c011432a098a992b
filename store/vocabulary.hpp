#pragma once
// The store's vocabulary: the states and kinds of runs, nodes, edges and tasks. Records and code
// hold the enums; their names are the text the database stores (store/schema.cpp) and what
// commands print, and they are converted only there.
//
// to_string gives a value's name (static storage; "" only for a value outside the enum, a bug).
// parse_* reads a name back; an unknown one fails with ErrorCode::parse, naming the vocabulary and
// its known names. Each k* array lists every value in declaration order (the parsers and
// tests/store/vocabulary_test.cpp walk it): add a new value there too.

#include <array>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace braid::store {

// A run's status (runs.status): running until the run loop closes it.
// interrupted: a signal stopped it; `braid resume` continues it as it does a running one.
enum class RunStatus { running, finished, budget_exhausted, interrupted };
inline constexpr std::array kRunStatuses{RunStatus::running, RunStatus::finished,
                                         RunStatus::budget_exhausted, RunStatus::interrupted};

// A node's status (nodes.status; each change is a `node_<status>` event). created, then running,
// then one of the terminal four: finished, failed, cancelled, skipped (refused by the budget).
enum class NodeStatus { created, running, finished, failed, cancelled, skipped };
inline constexpr std::array kNodeStatuses{NodeStatus::created,   NodeStatus::running,
                                          NodeStatus::finished,  NodeStatus::failed,
                                          NodeStatus::cancelled, NodeStatus::skipped};
// Whether the node's life is over (finished, failed, cancelled, skipped).
bool is_terminal(NodeStatus status);

// What a node stands for (nodes.kind): the run and its tasks; a reasoning thread and its model
// calls; a sample, a refine attempt, a multiverse path, a search tree and its steps, a pipeline
// stage; a tool call; a judge's verdict, a selection turn, a join, a verification.
enum class NodeKind {
    run,
    task,
    thread,
    call,
    sample,
    attempt,
    path,
    search,
    step,
    stage,
    tool,
    judge,
    select,
    join,
    verify,
};
inline constexpr std::array kNodeKinds{
    NodeKind::run,     NodeKind::task,  NodeKind::thread, NodeKind::call, NodeKind::sample,
    NodeKind::attempt, NodeKind::path,  NodeKind::search, NodeKind::step, NodeKind::stage,
    NodeKind::tool,    NodeKind::judge, NodeKind::select, NodeKind::join, NodeKind::verify};

// An edge between nodes (edges.kind). A node's own spawn is its NodeRecord::parent, not an edge
// row; spawn rows are for spawns beyond that (a node started by a second parent).
enum class EdgeKind { spawn, join, depends };
inline constexpr std::array kEdgeKinds{EdgeKind::spawn, EdgeKind::join, EdgeKind::depends};

// How a task's solve ended (tasks.outcome). A task that has not ended has no status: its outcome
// is std::nullopt, stored and printed as "pending".
enum class TaskStatus { solved, unsolved, failed, budget_exhausted };
inline constexpr std::array kTaskStatuses{TaskStatus::solved, TaskStatus::unsolved,
                                          TaskStatus::failed, TaskStatus::budget_exhausted};
inline constexpr std::string_view kPendingOutcome = "pending";

std::string_view to_string(RunStatus status);
std::string_view to_string(NodeStatus status);
std::string_view to_string(NodeKind kind);
std::string_view to_string(EdgeKind kind);
std::string_view to_string(TaskStatus status);
// A task's outcome: its status's name, or "pending".
std::string_view outcome_name(std::optional<TaskStatus> outcome);

Result<RunStatus> parse_run_status(std::string_view name);
Result<NodeStatus> parse_node_status(std::string_view name);
Result<NodeKind> parse_node_kind(std::string_view name);
Result<EdgeKind> parse_edge_kind(std::string_view name);
Result<TaskStatus> parse_task_status(std::string_view name);
// A task status's name, or "pending" (nullopt).
Result<std::optional<TaskStatus>> parse_outcome(std::string_view name);

}  // namespace braid::store
