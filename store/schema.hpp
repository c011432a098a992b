#pragma once
// The braid database schema and its forward migrations, keyed by `PRAGMA user_version`.
//
// Version 0 is an empty file. Each step N-1 → N runs in its own transaction that also sets
// user_version = N, so a crash mid-migration leaves the previous version intact. A braid database
// is marked with `PRAGMA application_id` = kApplicationId (set by step 1).
//
//   v1  runs, nodes, edges, events, completions, candidates, verdicts, tasks
//   v2  indexes on events(run, node) and candidates(run, task); tasks.selected_node

#include <cstdint>

#include "store/sqlite.hpp"

namespace braid::store {

inline constexpr std::int64_t kApplicationId = 0x62726964;  // "brid"

int latest_schema_version();

// The database's user_version.
Result<int> schema_version(SqliteDb& db);

// Migrates `db` forward to `target_version` (≤ latest_schema_version(), asserted). Throws
// FatalError (code io) naming the file when a step fails or when the database is already newer
// than `target_version`.
void migrate(SqliteDb& db, int target_version);

}  // namespace braid::store
