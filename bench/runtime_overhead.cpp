// bench/runtime_overhead: what braid's runtime costs per node, against two references measured in
// the same invocation.
//
//   braid    a fan-out/join DAG (run → G task nodes → F sample threads each → a join per task) on
//            the instant scripted backend; every node goes through workers::generate, so every
//            state change is an event persisted by the store's writer. Ends when all is committed.
//   asyncio  bench/baseline_asyncio.py: the same DAG and the same rows in Python asyncio with the
//            sqlite3 module, batched the same way.
//   bare     the limit: a plain C++ loop inserting the rows braid's run left (its events, final
//            node rows and edges) into a fresh database with prepared statements, in transactions
//            of the store's batch size. No runtime, no queue, no coroutines.
//
// Usage: runtime_overhead [NODES=100000] [FANOUT=8] [--no-python]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "workers/generation.hpp"

namespace fs = std::filesystem;
using namespace braid;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* reply_text = "Moving to Node #0\nCurrent State: 24:[2, 3, 4], Operations: []\n";
constexpr std::size_t batch_ops = 4096;  // the store's default max_batch_ops

struct Dag {
    std::size_t groups;
    std::size_t fanout;
    std::size_t nodes() const { return 1 + groups * (fanout + 2); }
};

asio::awaitable<int> run_group(workers::RunServices* s, NodeId root, std::size_t g, std::size_t fanout) {
    store::RunRecorder& rec = s->recorder;
    std::string path = "run/g" + std::to_string(g);
    NodeId task = rec.create_node(root, path, store::NodeKind::task, "task");
    rec.set_status(task, store::NodeStatus::running);
    std::vector<NodeId> samples;
    std::vector<asio::awaitable<Result<backends::Completion>>> threads;
    for (std::size_t i = 0; i < fanout; ++i) {
        std::string sp = path + "/s" + std::to_string(i);
        workers::GenerationStep step;
        step.node = rec.create_node(task, sp, store::NodeKind::sample, "sample");
        step.account = s->ledger.root();
        step.request.prompt = "Current State: 24:[2, 3, 4]";
        step.request.sampling.max_tokens = 64;
        step.request.sampling.seed = i;
        samples.push_back(step.node);
        threads.push_back(workers::generate(*s, std::move(step)));
    }
    auto results = co_await async::when_all(std::move(threads));
    NodeId join = rec.create_node(task, path + "/join", store::NodeKind::join, "join");
    for (NodeId n : samples) rec.add_edge(n, join, store::EdgeKind::join);
    rec.set_status(join, store::NodeStatus::finished,
                   nlohmann::json{{"joined", results.size()}}.dump());
    rec.set_status(task, store::NodeStatus::finished);
    co_return 0;
}

double run_braid(const fs::path& db, Dag dag, RunId& run_out) {
    auto store = store::Store::open(db.string());
    store::RunRecord record;
    record.started_ms = now_ms();
    record.command = "bench/runtime_overhead";
    RunId run = store->create_run(record);
    run_out = run;
    auto backend = backends::ScriptedBackend::instant(reply_text);
    Ledger ledger;
    Logger log(LogLevel::off);
    asio::io_context io;

    auto start = Clock::now();
    {
        store::RunRecorder rec(*store, run);
        workers::RunServices services{rec, *backend, ledger, log, 0, ""};
        auto main = [&]() -> asio::awaitable<void> {
            NodeId root = rec.create_node(NodeId{0}, "run", store::NodeKind::run, "run");
            rec.set_status(root, store::NodeStatus::running);
            std::vector<asio::awaitable<int>> groups;
            for (std::size_t g = 0; g < dag.groups; ++g)
                groups.push_back(run_group(&services, root, g, dag.fanout));
            co_await async::when_all(std::move(groups));
            rec.set_status(root, store::NodeStatus::finished);
            co_await rec.flush();
        };
        async::run_sync(io, main());
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Re-inserts braid's rows into a fresh database: the bare-insert limit.
double run_bare(const fs::path& source_db, const fs::path& db, RunId run) {
    auto source = store::Store::open(source_db.string());
    auto events = source->events(run);
    auto nodes = source->nodes(run);
    auto edges = source->edges(run);
    { auto init = store::Store::open(db.string()); }  // same schema, then closed

    auto conn = store::SqliteDb::open(db.string(), store::OpenMode::read_write);
    if (!conn) throw FatalError(std::move(conn).error());
    store::SqliteDb& sql = *conn;
    (void)sql.exec("PRAGMA journal_mode=WAL");
    (void)sql.exec("PRAGMA synchronous=NORMAL");
    (void)sql.exec("INSERT INTO runs (id) VALUES (" + std::to_string(run.value) + ")");
    auto ev = sql.prepare("INSERT INTO events (run, seq, node, time_ms, type, payload) VALUES (?, ?, ?, ?, ?, ?)");
    auto nd = sql.prepare(
        "INSERT INTO nodes (run, id, parent, path, kind, label, status, backend, model, started_ms, finished_ms,"
        " prompt_tokens, completion_tokens, cached_tokens, cost_usd) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto ed = sql.prepare("INSERT INTO edges (run, src, dst, kind) VALUES (?, ?, ?, ?)");
    if (!ev || !nd || !ed) throw FatalError(make_error(ErrorCode::internal, "bare: prepare failed"));

    auto start = Clock::now();
    std::size_t in_batch = 0;
    auto step = [&](store::SqliteStmt& s) {
        if (in_batch == 0) (void)sql.exec("BEGIN");
        auto r = s.run();
        if (!r) throw FatalError(Error(r.error()));
        s.reset();
        if (++in_batch == batch_ops) {
            (void)sql.exec("COMMIT");
            in_batch = 0;
        }
    };
    for (const auto& n : nodes) {
        nd->bind_all(n.run, n.id, n.parent, std::string_view(n.path), store::to_string(n.kind),
                     std::string_view(n.label), store::to_string(n.status),
                     std::string_view(n.backend), std::string_view(n.model), n.started_ms,
                     n.finished_ms, n.usage.prompt_tokens, n.usage.completion_tokens,
                     n.usage.cached_prompt_tokens, n.cost_usd);
        step(*nd);
    }
    for (const auto& e : edges) {
        ed->bind_all(e.run, e.src, e.dst, store::to_string(e.kind));
        step(*ed);
    }
    for (const auto& e : events) {
        ev->bind_all(e.run, e.seq, e.node, e.time_ms, std::string_view(e.type), std::string_view(e.payload_json));
        step(*ev);
    }
    if (in_batch > 0) (void)sql.exec("COMMIT");
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("  rows per run: %zu events, %zu nodes, %zu edges\n", events.size(), nodes.size(), edges.size());
    return seconds;
}

double run_python(const fs::path& db, Dag dag, std::size_t& nodes_out) {
    {  // braid's schema and a run row, so Python writes into the same tables and indexes
        auto store = store::Store::open(db.string());
        store->create_run(store::RunRecord{});
    }
    std::string cmd = "python3 '" BRAID_BENCH_DIR "/baseline_asyncio.py' '" + db.string() + "' " +
                      std::to_string(dag.nodes()) + " " + std::to_string(dag.fanout);
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) return -1;
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, pipe)) out += buf;
    if (pclose(pipe) != 0) return -1;
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (j.is_discarded()) return -1;
    nodes_out = j["nodes"].get<std::size_t>();
    return j["seconds"].get<double>();
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t nodes = 100000, fanout = 8;
    bool python = true;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--no-python") python = false;
        else if (positional++ == 0) nodes = std::stoul(a);
        else fanout = std::stoul(a);
    }
    Dag dag{std::max<std::size_t>(1, (nodes - 1) / (fanout + 2)), fanout};
    fs::path dir = fs::temp_directory_path() / ("braid-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);

    std::printf("runtime_overhead: %zu nodes (%zu tasks x (%zu samples + task + join) + root)\n", dag.nodes(),
                dag.groups, dag.fanout);
    RunId run;
    double braid_s = run_braid(dir / "braid.db", dag, run);
    double braid_rate = static_cast<double>(dag.nodes()) / braid_s;
    std::printf("  braid    %8.3f s  %10.0f nodes/s\n", braid_s, braid_rate);

    double bare_s = run_bare(dir / "braid.db", dir / "bare.db", run);
    double bare_rate = static_cast<double>(dag.nodes()) / bare_s;
    std::printf("  bare     %8.3f s  %10.0f nodes/s   (insert limit)\n", bare_s, bare_rate);

    double py_rate = 0;
    if (python) {
        std::size_t py_nodes = 0;
        double py_s = run_python(dir / "asyncio.db", dag, py_nodes);
        if (py_s > 0) {
            py_rate = static_cast<double>(py_nodes) / py_s;
            std::printf("  asyncio  %8.3f s  %10.0f nodes/s\n", py_s, py_rate);
        } else {
            std::printf("  asyncio  failed to run python3 baseline\n");
        }
    }
    std::printf("ratios: braid/asyncio = %.1fx (goal >= 10x), braid/bare = %.0f%% (goal >= 50%%)\n",
                py_rate > 0 ? braid_rate / py_rate : 0.0, 100.0 * braid_rate / bare_rate);
    fs::remove_all(dir);
    return 0;
}
