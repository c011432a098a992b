#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "core/async.hpp"
#include "store/run_recorder.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using braid::NodeId;
using braid::RunId;
using braid::Usage;
using namespace braid::store;
using braid::test::TempDir;

TEST_CASE("a recorder numbers nodes, keeps spawns in the parent column and records creation events", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("r.db"));
    const RunId run = store->create_run(RunRecord{});
    RunRecorder recorder(*store, run);
    CHECK(recorder.run() == run);
    CHECK(&recorder.store() == store.get());

    const NodeId root = recorder.create_node(NodeId{0}, "t", NodeKind::task, "cd-1");
    const NodeId a = recorder.create_node(root, "t/s1", NodeKind::thread, "sample 1");
    const NodeId b = recorder.create_node(root, "t/s2", NodeKind::thread, "sample \"2\"");
    CHECK(root.value == 1);
    CHECK(a.value == 2);
    CHECK(b.value == 3);
    CHECK(recorder.create_node(root, "t/s1", NodeKind::thread, "again") ==
          a);  // same path, same node
    recorder.add_edge(a, b, EdgeKind::depends);
    CHECK(recorder.find("t/s2") == b);
    CHECK_FALSE(recorder.find("t/s9").has_value());
    REQUIRE(recorder.node(b) != nullptr);
    CHECK(recorder.node(b)->status == NodeStatus::created);
    CHECK(recorder.node(NodeId{42}) == nullptr);
    store->flush_sync();

    auto nodes = store->nodes(run);
    REQUIRE(nodes.size() == 3);
    CHECK(nodes[2].path == "t/s2");
    CHECK(nodes[2].parent == root);
    CHECK(nodes[1].parent == root);
    // The spawn edge of a node is its parent column; the edges table holds the other relations.
    CHECK(store->edges(run) == std::vector<EdgeRecord>{{run, a, b, EdgeKind::depends}});
    auto events = store->events(run);
    REQUIRE(events.size() == 3);
    CHECK(events[2].seq == 3);
    CHECK(events[2].type == "node_created");
    CHECK(events[2].node == b);
    CHECK(events[2].payload_json ==
          R"({"kind":"thread","label":"sample \"2\"","parent":1,"path":"t/s2"})");
}

TEST_CASE("status changes stamp times, update the row and append node events", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("r.db"));
    const RunId run = store->create_run(RunRecord{});
    RunRecorder recorder(*store, run);
    const NodeId node = recorder.create_node(NodeId{0}, "t", NodeKind::thread, "");
    recorder.set_backend(node, "scripted", "tiny");
    recorder.set_status(node, NodeStatus::running);
    const auto started = recorder.node(node)->started_ms;
    CHECK(started > 0);
    CHECK(recorder.node(node)->finished_ms == 0);
    recorder.event(node, "tokens", R"({"text":"hi"})");
    recorder.set_usage(node, Usage{10, 5, 2}, 0.01);
    recorder.set_usage(node, Usage{11, 6, 2}, 0.03);  // a node's usage is set, not added
    recorder.set_status(node, NodeStatus::finished, R"({"reason":"stop"})");
    CHECK(recorder.node(node)->finished_ms >= started);
    CHECK(recorder.last_seq() == 4);

    asio::io_context io;
    braid::async::run_sync(io, recorder.flush());
    const NodeRecord row = store->nodes(run).at(0);
    CHECK(row == *recorder.node(node));
    CHECK(row.status == NodeStatus::finished);
    CHECK(row.backend == "scripted");
    CHECK(row.usage == Usage{11, 6, 2});
    CHECK(row.cost_usd == Approx(0.03));

    auto events = store->events(run);
    REQUIRE(events.size() == 4);
    CHECK(events[1].type == "node_running");
    CHECK(events[2].type == "tokens");
    CHECK(events[3].type == "node_finished");
    CHECK(events[3].payload_json == R"({"reason":"stop"})");
    for (const auto& event : events) CHECK(event.time_ms > 0);
}

TEST_CASE("a second recorder on the same run resumes node ids and event seqs", "[store]") {
    TempDir dir;
    const std::string path = dir.file("r.db");
    RunId run;
    NodeId child;
    {
        auto store = Store::open(path);
        run = store->create_run(RunRecord{});
        RunRecorder first(*store, run);
        const NodeId root = first.create_node(NodeId{0}, "t", NodeKind::task, "");
        child = first.create_node(root, "t/s1", NodeKind::thread, "");
        first.set_status(child, NodeStatus::running);
    }
    auto store = Store::open(path);
    RunRecorder resumed(*store, run);
    CHECK(resumed.last_seq() == 3);
    CHECK(resumed.find("t/s1") == child);
    CHECK(resumed.node(child)->status == NodeStatus::running);
    CHECK(resumed.create_node(NodeId{1}, "t/s1", NodeKind::thread, "") == child);
    const NodeId fresh = resumed.create_node(NodeId{1}, "t/s2", NodeKind::thread, "");
    CHECK(fresh.value == 3);
    resumed.set_status(child, NodeStatus::finished);
    store->flush_sync();

    auto nodes = store->nodes(run);
    REQUIRE(nodes.size() == 3);
    CHECK(nodes[2].parent == NodeId{1});
    CHECK(store->edges(run).empty());
    auto events = store->events(run);
    REQUIRE(events.size() == 5);
    for (std::size_t i = 0; i < events.size(); ++i)
        CHECK(events[i].seq == static_cast<std::int64_t>(i) + 1);
    CHECK(events[3].type == "node_created");
    CHECK(events[4].type == "node_finished");
}
