#include "store/schema.hpp"

#include <array>
#include <string>
#include <string_view>

namespace braid::store {

namespace {

// Step N migrates version N-1 to N. Never edit a released step; add a new one.
constexpr std::array<std::string_view, 3> kSteps = {
    // v1: the tables of DESIGN.md §4. Rows reference their run; events are keyed (run, seq) and
    // stored WITHOUT ROWID so an append is one b-tree insert.
    R"sql(
CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_ms  INTEGER NOT NULL DEFAULT 0,
    finished_ms INTEGER NOT NULL DEFAULT 0,
    command     TEXT NOT NULL DEFAULT '',
    config      TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'running',
    seed        INTEGER NOT NULL DEFAULT 0,
    budget      TEXT NOT NULL DEFAULT '{}',
    spent       TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE nodes (
    run               INTEGER NOT NULL REFERENCES runs(id),
    id                INTEGER NOT NULL,
    parent            INTEGER NOT NULL DEFAULT 0,
    path              TEXT NOT NULL,
    kind              TEXT NOT NULL DEFAULT '',
    label             TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'created',
    backend           TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    started_ms        INTEGER NOT NULL DEFAULT 0,
    finished_ms       INTEGER NOT NULL DEFAULT 0,
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (run, id),
    UNIQUE (run, path)
);
CREATE TABLE edges (
    run  INTEGER NOT NULL REFERENCES runs(id),
    src  INTEGER NOT NULL,
    dst  INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('spawn', 'join', 'depends')),
    UNIQUE (run, src, dst, kind)
);
CREATE TABLE events (
    run     INTEGER NOT NULL REFERENCES runs(id),
    seq     INTEGER NOT NULL,
    node    INTEGER NOT NULL DEFAULT 0,
    time_ms INTEGER NOT NULL,
    type    TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run, seq)
) WITHOUT ROWID;
CREATE TABLE completions (
    hash              TEXT PRIMARY KEY,
    request           TEXT NOT NULL,
    text              TEXT NOT NULL,
    finish_reason     TEXT NOT NULL DEFAULT '',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    cached_tokens     INTEGER NOT NULL DEFAULT 0,
    latency_ms        REAL NOT NULL DEFAULT 0,
    backend           TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    created_ms        INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE candidates (
    run        INTEGER NOT NULL REFERENCES runs(id),
    node       INTEGER NOT NULL,
    task       TEXT NOT NULL,
    output     TEXT NOT NULL DEFAULT '',
    normalized TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run, node)
);
CREATE TABLE verdicts (
    run      INTEGER NOT NULL REFERENCES runs(id),
    node     INTEGER NOT NULL,
    task     TEXT NOT NULL,
    verifier TEXT NOT NULL,
    score    REAL NOT NULL DEFAULT 0,
    cost_usd REAL NOT NULL DEFAULT 0,
    details  TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (run, node, verifier)
);
CREATE TABLE tasks (
    run     INTEGER NOT NULL REFERENCES runs(id),
    task_id TEXT NOT NULL,
    kind    TEXT NOT NULL DEFAULT '',
    input   TEXT NOT NULL DEFAULT '{}',
    outcome TEXT NOT NULL DEFAULT 'pending'
            CHECK (outcome IN ('pending', 'solved', 'unsolved', 'failed', 'budget_exhausted')),
    answer  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run, task_id)
);
)sql",
    // v2: `show`/`report` read a node's events and a task's candidates; and the selection result
    // gets a home on the task row.
    R"sql(
CREATE INDEX events_by_node ON events (run, node);
CREATE INDEX candidates_by_task ON candidates (run, task);
ALTER TABLE tasks ADD COLUMN selected_node INTEGER NOT NULL DEFAULT 0;
)sql",
    // v3: which stop string ended a completion, so a replayed completion reports the same stop
    // (Completion::stop_sequence); '' for none and for rows written before v3.
    R"sql(
ALTER TABLE completions ADD COLUMN stop_sequence TEXT NOT NULL DEFAULT '';
)sql",
};

[[noreturn]] void fail(const SqliteDb& db, Error error, std::string_view doing) {
    throw FatalError(std::move(error).with_context(std::string(doing) + " '" + db.path() + "'"));
}

}  // namespace

int latest_schema_version() { return static_cast<int>(kSteps.size()); }

Result<int> schema_version(SqliteDb& db) {
    auto version = db.query_int("PRAGMA user_version");
    if (!version) return std::move(version).error();
    return static_cast<int>(*version);
}

void migrate(SqliteDb& db, int target_version) {
    BRAID_ASSERT(target_version >= 0 && target_version <= latest_schema_version(),
                 "migrate to an unknown schema version");
    auto current = schema_version(db);
    if (!current) fail(db, std::move(current).error(), "reading the schema version of");
    if (*current > target_version) {
        fail(db,
             make_error(ErrorCode::invalid_input, "schema version " + std::to_string(*current) +
                                           " is newer than " + std::to_string(target_version) +
                                           " (written by a newer braid?)"),
             "migrating");
    }
    for (int version = *current + 1; version <= target_version; ++version) {
        // The version is read again inside the write transaction: another process may have
        // applied this step since the read above (two processes creating one database at once).
        auto step = [&]() -> Result<void> {
            if (auto begun = db.exec("BEGIN IMMEDIATE"); !begun) return begun;
            auto now = schema_version(db);
            if (!now) return std::move(now).error();
            if (*now >= version) return db.exec("COMMIT");
            std::string sql(kSteps[static_cast<std::size_t>(version - 1)]);
            if (version == 1)
                sql += "PRAGMA application_id = " + std::to_string(kApplicationId) + ";\n";
            sql += "PRAGMA user_version = " + std::to_string(version) + ";\nCOMMIT;";
            return db.exec(sql);
        };
        if (auto done = step(); !done) {
            if (db.in_transaction())
                (void)db.exec("ROLLBACK");  // best effort; the error below wins
            fail(db, std::move(done).error(),
                 "migrating to schema version " + std::to_string(version) + " of");
        }
    }
}

}  // namespace braid::store
