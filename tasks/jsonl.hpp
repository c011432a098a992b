#pragma once
// Task files: one JSON object per line with at least a string `id` (unique in the file) and a
// string `kind`; blank lines are skipped. A SWE-bench row (string `instance_id`, no `id`) gets
// `id` = instance_id and, when it has none, `kind` = "swe" added to it. Errors name the file and the 1-based line number.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "tasks/task.hpp"

namespace braid::tasks {

// Reads and parses `path`. not_found if the file does not exist, io if it cannot be read,
// invalid_input for a bad row (not JSON, not an object, no string id/kind, duplicate id).
Result<std::vector<Task>> read_tasks_jsonl(const std::string& path);

// Parses JSONL `text`; `source_name` (a path) prefixes error messages as "source:line: ...".
Result<std::vector<Task>> parse_tasks_jsonl(std::string_view text, std::string_view source_name);

// One JSON value on one line, in the spacing Python's json.dumps uses:
// {"id": "cd-1", "kind": "countdown", "numbers": [22, 26, 31, 53], "target": 27}
// Object keys come out in the json object's own order. No trailing newline.
std::string to_jsonl_line(const nlohmann::json& value);

}  // namespace braid::tasks
