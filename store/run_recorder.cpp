#include "store/run_recorder.hpp"

#include <algorithm>
#include <utility>

#include "core/assert.hpp"
#include "core/clock.hpp"
#include "store/event_json.hpp"

namespace braid::store {

RunRecorder::RunRecorder(Store& store, RunId run) : store_(store), run_(run) {
    for (NodeRecord& node : store_.nodes(run_)) {
        next_node_id_ = std::max(next_node_id_, node.id.value + 1);
        by_path_.emplace(node.path, node.id);
        nodes_.emplace(node.id, std::move(node));
    }
    next_seq_ = store_.max_event_seq(run_) + 1;
    bytes_at_start_ = store_.bytes_enqueued();
}

void RunRecorder::set_limits(RecorderLimits limits, std::function<void(std::string)> exceeded) {
    limits_ = limits;
    exceeded_ = std::move(exceeded);
    check_limits();
}

void RunRecorder::check_limits() {
    if (!exceeded_) return;
    std::string why;
    if (limits_.max_nodes > 0 && nodes_.size() > limits_.max_nodes)
        why =
            "the run made more than " + std::to_string(limits_.max_nodes) + " nodes (--max-nodes)";
    const std::uint64_t stored = store_.bytes_enqueued() - bytes_at_start_;
    if (why.empty() && limits_.max_stored_bytes > 0 && stored > limits_.max_stored_bytes)
        why = "the run stored more than " + std::to_string(limits_.max_stored_bytes >> 20) +
              " MiB (--max-stored-mb)";
    if (why.empty()) return;
    auto exceeded = std::move(exceeded_);
    exceeded_ = nullptr;
    exceeded(std::move(why));
}

NodeId RunRecorder::create_node(NodeId parent, std::string path, NodeKind kind, std::string label) {
    if (auto existing = find(path)) return *existing;
    BRAID_ASSERT(parent.value == 0 || nodes_.contains(parent),
                 "create_node with an unknown parent");
    const NodeId id{next_node_id_++};
    NodeRecord node;
    node.run = run_;
    node.id = id;
    node.parent = parent;
    node.path = std::move(path);
    node.kind = kind;
    node.label = std::move(label);
    std::string payload = node_created_payload(node);
    by_path_.emplace(node.path, id);
    store_.upsert_node(node);
    nodes_.emplace(id, std::move(node));
    event(id, "node_created", std::move(payload));
    return id;
}

void RunRecorder::event(NodeId node, std::string type, std::string payload_json) {
    store_.append_event(
        EventRecord{run_, next_seq_++, node, now_ms(), std::move(type), std::move(payload_json)});
    check_limits();
}

void RunRecorder::set_status(NodeId id, NodeStatus status, const std::string& payload_json) {
    NodeRecord& node = known(id);
    const std::int64_t now = now_ms();
    if (status == NodeStatus::running && node.started_ms == 0) node.started_ms = now;
    if (is_terminal(status)) node.finished_ms = now;
    node.status = status;
    store_.update_node_status(NodeStatusRecord{run_, id, node.status, node.backend, node.model,
                                               node.started_ms, node.finished_ms, node.usage,
                                               node.cost_usd});
    event(id, "node_" + std::string(to_string(status)), payload_json);
}

void RunRecorder::set_usage(NodeId id, const Usage& usage, double cost_usd) {
    NodeRecord& node = known(id);
    node.usage = usage;
    node.cost_usd = cost_usd;
}

void RunRecorder::set_backend(NodeId id, std::string backend, std::string model) {
    NodeRecord& node = known(id);
    node.backend = std::move(backend);
    node.model = std::move(model);
}

void RunRecorder::add_edge(NodeId from, NodeId to, EdgeKind kind) {
    known(from);
    known(to);
    store_.add_edge(EdgeRecord{run_, from, to, kind});
}

asio::awaitable<void> RunRecorder::flush() {
    return store_.flush();
}

const NodeRecord* RunRecorder::node(NodeId id) const {
    auto it = nodes_.find(id);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::optional<NodeId> RunRecorder::find(std::string_view path) const {
    auto it = by_path_.find(path);
    if (it == by_path_.end()) return std::nullopt;
    return it->second;
}

NodeRecord& RunRecorder::known(NodeId id) {
    auto it = nodes_.find(id);
    BRAID_ASSERT(it != nodes_.end(), "RunRecorder: unknown node id");
    return it->second;
}

}  // namespace braid::store
