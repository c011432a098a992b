#pragma once
// RunRecorder: the per-run facade the runtime records through. It names nodes, numbers events
// and keeps each node's row in memory so every update writes a full row; all writes go through
// the Store's queue (non-blocking).
//
// Not thread-safe: use it from one thread, the run's orchestration executor. The Store must
// outlive it. Constructing it reads the run's stored nodes and last event seq (blocking, once),
// so a resumed run reuses node ids by path and continues numbering events after the stored ones.
// Passing a NodeId this recorder does not know is a bug (asserted).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <asio/awaitable.hpp>

#include "core/message.hpp"
#include "store/records.hpp"
#include "store/store.hpp"

namespace braid::store {

// What one execution of a run may make; 0 means no limit.
struct RecorderLimits {
    std::size_t max_nodes = 0;           // nodes of the run, stored ones included
    std::uint64_t max_stored_bytes = 0;  // Store::bytes_enqueued() since the recorder was made
};

class RunRecorder {
public:
    RunRecorder(Store& store, RunId run);

    // From now on, the first create_node or event that takes the run past `limits` calls
    // `exceeded` once, with a message naming the limit (the node or event is still recorded: the
    // owner stops the run, so it ends past the limit by what is in flight only).
    void set_limits(RecorderLimits limits, std::function<void(std::string)> exceeded);

    // Returns the node named `path`, creating it (status created, the next id, a `node_created`
    // event) unless the run already has it. `parent` goes in the node's row: that column is the
    // node's spawn edge, so no edges row is written for it.
    NodeId create_node(NodeId parent, std::string path, NodeKind kind, std::string label);

    // Appends an event with the next seq and the current time.
    void event(NodeId node, std::string type, std::string payload_json);

    // Sets the node's status and appends a `node_<status>` event. running stamps started_ms
    // (once); a terminal status (finished, failed, cancelled, skipped) stamps finished_ms.
    void set_status(NodeId node, NodeStatus status, const std::string& payload_json = "{}");

    // Set the node's usage and cost (a node's usage is that of its own model call, so a resumed
    // node that runs again does not count twice) and its backend. Kept in memory and written with
    // the node's next set_status, which every node's life ends with: one row write, not three.
    void set_usage(NodeId node, const Usage& usage, double cost_usd);
    void set_backend(NodeId node, std::string backend, std::string model);
    void add_edge(NodeId from, NodeId to, EdgeKind kind);

    // Completes once everything recorded so far is committed (Store::flush).
    asio::awaitable<void> flush();

    RunId run() const { return run_; }
    Store& store() { return store_; }
    const NodeRecord* node(NodeId id) const;  // null when unknown; valid until the recorder dies
    std::optional<NodeId> find(std::string_view path) const;
    std::int64_t last_seq() const { return next_seq_ - 1; }

private:
    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view path) const {
            return std::hash<std::string_view>{}(path);
        }
    };
    NodeRecord& known(NodeId id);
    void check_limits();

    Store& store_;
    RunId run_;
    std::unordered_map<NodeId, NodeRecord> nodes_;  // element addresses are stable
    std::unordered_map<std::string, NodeId, PathHash, std::equal_to<>> by_path_;
    std::int64_t next_node_id_ = 1;
    std::int64_t next_seq_ = 1;
    RecorderLimits limits_;
    std::uint64_t bytes_at_start_ = 0;
    std::function<void(std::string)> exceeded_;  // cleared once called
};

}  // namespace braid::store
