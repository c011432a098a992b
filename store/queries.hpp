#pragma once
// Read queries over a braid database connection, one per record type. Internal to store/: Store
// calls them on its read connection under its read mutex. Rows come back in a stable order
// (ids, sequence numbers or insertion order) as documented on Store.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "store/records.hpp"
#include "store/sqlite.hpp"

namespace braid::store::detail {

Result<std::vector<RunRecord>> read_runs(SqliteDb& db);
Result<std::optional<RunRecord>> read_run(SqliteDb& db, RunId run);
Result<std::vector<NodeRecord>> read_nodes(SqliteDb& db, RunId run);
Result<std::vector<EdgeRecord>> read_edges(SqliteDb& db, RunId run);
Result<std::vector<EventRecord>> read_events(SqliteDb& db, RunId run, std::int64_t after_seq,
                                             std::int64_t limit);
Result<std::int64_t> read_max_event_seq(SqliteDb& db, RunId run);
Result<std::optional<CompletionRecord>> read_completion(SqliteDb& db, std::string_view hash);
Result<std::int64_t> read_completion_count(SqliteDb& db);
Result<std::vector<CandidateRecord>> read_candidates(SqliteDb& db, RunId run);
Result<std::vector<VerdictRecord>> read_verdicts(SqliteDb& db, RunId run);
Result<std::vector<TaskRecord>> read_tasks(SqliteDb& db, RunId run);

}  // namespace braid::store::detail
