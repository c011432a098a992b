#include "store/queries.hpp"

#include <type_traits>
#include <utility>

namespace braid::store::detail {

namespace {

// What `read` makes of a row: its return type, or the T of a Result<T> (a row that may not read).
template <class T>
struct RowType {
    using type = T;
    static constexpr bool fallible = false;
};
template <class T>
struct RowType<Result<T>> {
    using type = T;
    static constexpr bool fallible = true;
};
template <class Read>
using ReadOf = RowType<std::invoke_result_t<Read, const SqliteStmt&>>;

// Runs `sql` with `args` bound and converts every row with `read`; the first row `read` fails on
// fails the query.
template <class Read, class... Args>
auto select_all(SqliteDb& db, std::string_view sql, Read read, const Args&... args)
    -> Result<std::vector<typename ReadOf<Read>::type>> {
    auto stmt = db.prepare(sql);
    if (!stmt) return std::move(stmt).error();
    stmt->bind_all(args...);
    std::vector<typename ReadOf<Read>::type> rows;
    for (;;) {
        auto more = stmt->step();
        if (!more) return std::move(more).error();
        if (!*more) break;
        if constexpr (ReadOf<Read>::fallible) {
            auto row = read(*stmt);
            if (!row) return std::move(row).error();
            rows.push_back(std::move(*row));
        } else {
            rows.push_back(read(*stmt));
        }
    }
    return rows;
}

std::string of_run(std::int64_t run) {
    return " of run " + std::to_string(run);
}

template <class Row>
Result<std::optional<Row>> first_row(Result<std::vector<Row>> rows) {
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(rows->front()));
}

constexpr std::string_view kRunColumns =
    "SELECT id, started_ms, finished_ms, command, config, status, seed, budget, spent FROM runs";

Result<RunRecord> run_row(const SqliteStmt& s) {
    auto status = parse_run_status(s.column_text(5));
    if (!status)
        return Error(status.error()).with_context("run " + std::to_string(s.column_int(0)));
    return RunRecord{RunId{s.column_int(0)}, s.column_int(1),  s.column_int(2),
                     s.column_text(3),       s.column_text(4), *status,
                     s.column_int(6),        s.column_text(7), s.column_text(8)};
}

Result<NodeRecord> node_row(const SqliteStmt& s) {
    auto kind = parse_node_kind(s.column_text(4));
    auto status = parse_node_status(s.column_text(6));
    if (!kind || !status) {
        Error error = kind ? status.error() : kind.error();
        return std::move(error).with_context("node " + std::to_string(s.column_int(1)) +
                                             of_run(s.column_int(0)));
    }
    NodeRecord n;
    n.run = RunId{s.column_int(0)};
    n.id = NodeId{s.column_int(1)};
    n.parent = NodeId{s.column_int(2)};
    n.path = s.column_text(3);
    n.kind = *kind;
    n.label = s.column_text(5);
    n.status = *status;
    n.backend = s.column_text(7);
    n.model = s.column_text(8);
    n.started_ms = s.column_int(9);
    n.finished_ms = s.column_int(10);
    n.usage = Usage{s.column_int(11), s.column_int(12), s.column_int(13)};
    n.cost_usd = s.column_double(14);
    return n;
}

Result<EdgeRecord> edge_row(const SqliteStmt& s) {
    auto kind = parse_edge_kind(s.column_text(3));
    if (!kind)
        return Error(kind.error())
            .with_context("edge " + std::to_string(s.column_int(1)) + "->" +
                          std::to_string(s.column_int(2)) + of_run(s.column_int(0)));
    return EdgeRecord{RunId{s.column_int(0)}, NodeId{s.column_int(1)}, NodeId{s.column_int(2)},
                      *kind};
}

EventRecord event_row(const SqliteStmt& s) {
    return EventRecord{RunId{s.column_int(0)}, s.column_int(1),  NodeId{s.column_int(2)},
                       s.column_int(3),        s.column_text(4), s.column_text(5)};
}

CompletionRecord completion_row(const SqliteStmt& s) {
    CompletionRecord c;
    c.hash = s.column_text(0);
    c.request_json = s.column_text(1);
    c.text = s.column_text(2);
    c.finish_reason = s.column_text(3);
    c.usage = Usage{s.column_int(4), s.column_int(5), s.column_int(6)};
    c.latency_ms = s.column_double(7);
    c.backend = s.column_text(8);
    c.model = s.column_text(9);
    c.created_ms = s.column_int(10);
    c.stop_sequence = s.column_text(11);
    return c;
}

CandidateRecord candidate_row(const SqliteStmt& s) {
    return CandidateRecord{RunId{s.column_int(0)}, NodeId{s.column_int(1)}, s.column_text(2),
                           s.column_text(3), s.column_text(4)};
}

VerdictRecord verdict_row(const SqliteStmt& s) {
    return VerdictRecord{RunId{s.column_int(0)}, NodeId{s.column_int(1)}, s.column_text(2),
                         s.column_text(3),       s.column_double(4),      s.column_double(5),
                         s.column_text(6)};
}

Result<TaskRecord> task_row(const SqliteStmt& s) {
    auto outcome = parse_outcome(s.column_text(4));
    if (!outcome)
        return Error(outcome.error())
            .with_context("task '" + s.column_text(1) + "'" + of_run(s.column_int(0)));
    return TaskRecord{RunId{s.column_int(0)}, s.column_text(1), s.column_text(2),
                      s.column_text(3),       *outcome,         s.column_text(5),
                      NodeId{s.column_int(6)}};
}

}  // namespace

Result<std::vector<RunRecord>> read_runs(SqliteDb& db) {
    return select_all(db, std::string(kRunColumns) + " ORDER BY id", run_row);
}

Result<std::optional<RunRecord>> read_run(SqliteDb& db, RunId run) {
    return first_row(select_all(db, std::string(kRunColumns) + " WHERE id = ?", run_row, run));
}

Result<std::vector<NodeRecord>> read_nodes(SqliteDb& db, RunId run) {
    return select_all(db,
                      "SELECT run, id, parent, path, kind, label, status, backend, model,"
                      " started_ms, finished_ms, prompt_tokens, completion_tokens, cached_tokens,"
                      " cost_usd FROM nodes WHERE run = ? ORDER BY id",
                      node_row, run);
}

Result<std::vector<EdgeRecord>> read_edges(SqliteDb& db, RunId run) {
    return select_all(db, "SELECT run, src, dst, kind FROM edges WHERE run = ? ORDER BY rowid",
                      edge_row, run);
}

Result<std::vector<EventRecord>> read_events(SqliteDb& db, RunId run, std::int64_t after_seq,
                                             std::int64_t limit) {
    // LIMIT -1 means "no limit" to SQLite.
    return select_all(db,
                      "SELECT run, seq, node, time_ms, type, payload FROM events"
                      " WHERE run = ? AND seq > ? ORDER BY seq LIMIT ?",
                      event_row, run, after_seq, limit < 0 ? std::int64_t{-1} : limit);
}

Result<std::int64_t> read_max_event_seq(SqliteDb& db, RunId run) {
    auto rows = select_all(
        db, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run = ?",
        [](const SqliteStmt& s) { return s.column_int(0); }, run);
    if (!rows) return std::move(rows).error();
    return rows->front();
}

Result<std::optional<CompletionRecord>> read_completion(SqliteDb& db, std::string_view hash) {
    return first_row(select_all(db,
                                "SELECT hash, request, text, finish_reason, prompt_tokens,"
                                " completion_tokens, cached_tokens, latency_ms, backend, model,"
                                " created_ms, stop_sequence FROM completions WHERE hash = ?",
                                completion_row, hash));
}

Result<std::int64_t> read_completion_count(SqliteDb& db) {
    return db.query_int("SELECT COUNT(*) FROM completions");
}

Result<std::vector<CandidateRecord>> read_candidates(SqliteDb& db, RunId run) {
    return select_all(db,
                      "SELECT run, node, task, output, normalized FROM candidates"
                      " WHERE run = ? ORDER BY node",
                      candidate_row, run);
}

Result<std::vector<VerdictRecord>> read_verdicts(SqliteDb& db, RunId run) {
    return select_all(db,
                      "SELECT run, node, task, verifier, score, cost_usd, details FROM verdicts"
                      " WHERE run = ? ORDER BY node, verifier",
                      verdict_row, run);
}

Result<std::vector<TaskRecord>> read_tasks(SqliteDb& db, RunId run) {
    return select_all(db,
                      "SELECT run, task_id, kind, input, outcome, answer, selected_node FROM tasks"
                      " WHERE run = ? ORDER BY rowid",
                      task_row, run);
}

}  // namespace braid::store::detail
