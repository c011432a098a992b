#pragma once
// Rows of the braid database as plain structs (schema in store/schema.cpp). Times are
// milliseconds since the Unix epoch (0 = not yet); `*_json` fields hold JSON text, stored as is.
// Node 0 means "no node" (a run-level event, a root's parent). States and kinds are the enums of
// store/vocabulary.hpp; the store reads and writes their names.

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "core/message.hpp"
#include "store/vocabulary.hpp"

namespace braid::store {

struct RunRecord {
    RunId id;  // 0 in create_run: the store assigns one
    std::int64_t started_ms = 0;
    std::int64_t finished_ms = 0;
    std::string command;  // the command line, secrets removed by the caller
    std::string config_json = "{}";
    RunStatus status = RunStatus::running;
    std::int64_t seed = 0;
    std::string budget_json = "{}";
    std::string spent_json = "{}";
    friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

struct NodeRecord {
    RunId run;
    NodeId id;
    NodeId parent;     // 0 = a root
    std::string path;  // stable name within the run, e.g. "t/cd-1/s3"
    NodeKind kind = NodeKind::run;
    std::string label;
    NodeStatus status = NodeStatus::created;
    std::string backend;
    std::string model;
    std::int64_t started_ms = 0;
    std::int64_t finished_ms = 0;
    Usage usage;
    double cost_usd = 0;
    friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

// The part of a node's row that changes after creation: what a status change writes (an UPDATE
// by primary key that leaves the path index alone).
struct NodeStatusRecord {
    RunId run;
    NodeId id;
    NodeStatus status = NodeStatus::created;
    std::string backend;
    std::string model;
    std::int64_t started_ms = 0;
    std::int64_t finished_ms = 0;
    Usage usage;
    double cost_usd = 0;
};

struct EdgeRecord {
    RunId run;
    NodeId src;
    NodeId dst;
    EdgeKind kind = EdgeKind::depends;  // a spawn beyond the node's parent, a join or a dependency
    friend bool operator==(const EdgeRecord&, const EdgeRecord&) = default;
};

struct EventRecord {
    RunId run;
    std::int64_t seq = 0;  // 1, 2, ... per run
    NodeId node;
    std::int64_t time_ms = 0;
    std::string type;
    std::string payload_json = "{}";
    friend bool operator==(const EventRecord&, const EventRecord&) = default;
};

// A model response keyed by the hash of the exact request (core/hash.hpp), for replay and resume.
struct CompletionRecord {
    std::string hash;
    std::string request_json;
    std::string text;
    std::string finish_reason;
    std::string stop_sequence;  // the stop string that ended the text; "" for none (schema v3)
    Usage usage;
    double latency_ms = 0;
    std::string backend;
    std::string model;
    std::int64_t created_ms = 0;
    friend bool operator==(const CompletionRecord&, const CompletionRecord&) = default;
};

struct CandidateRecord {
    RunId run;
    NodeId node;  // the node that produced the output
    std::string task;
    std::string output;
    std::string normalized;  // the clustering key
    friend bool operator==(const CandidateRecord&, const CandidateRecord&) = default;
};

struct VerdictRecord {
    RunId run;
    NodeId node;  // the candidate's node
    std::string task;
    std::string verifier;
    double score = 0;
    double cost_usd = 0;
    std::string details_json = "{}";
    friend bool operator==(const VerdictRecord&, const VerdictRecord&) = default;
};

struct TaskRecord {
    RunId run;
    std::string task_id;
    std::string kind;
    std::string input_json = "{}";
    std::optional<TaskStatus> outcome;  // nullopt: pending (the task has not ended)
    std::string answer;
    NodeId selected_node;  // the candidate chosen by selection; 0 = none yet
    friend bool operator==(const TaskRecord&, const TaskRecord&) = default;
};

}  // namespace braid::store
