#include "tasks/jsonl.hpp"
#include "core/json_text.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

namespace braid::tasks {

namespace {

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Error row_error(std::string_view source, std::size_t line_no, const std::string& what) {
    return make_error(ErrorCode::invalid_input,
                      std::string(source) + ":" + std::to_string(line_no) + ": " + what);
}

void append_jsonl(std::string& out, const nlohmann::json& value) {
    if (value.is_object()) {
        out += '{';
        bool first = true;
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (!first) out += ", ";
            first = false;
            out += json_text(nlohmann::json(it.key()));
            out += ": ";
            append_jsonl(out, it.value());
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        bool first = true;
        for (const auto& item : value) {
            if (!first) out += ", ";
            first = false;
            append_jsonl(out, item);
        }
        out += ']';
    } else {
        out += json_text(value);
    }
}

}  // namespace

Result<std::vector<Task>> parse_tasks_jsonl(std::string_view text, std::string_view source_name) {
    std::vector<Task> tasks;
    std::map<std::string, std::size_t> line_of_id;
    std::size_t line_no = 0;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        if (is_blank(line)) continue;

        nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
        if (row.is_discarded()) return row_error(source_name, line_no, "line is not valid JSON");
        if (!row.is_object()) return row_error(source_name, line_no, "row is not a JSON object");
        // A SWE-bench instance loads unchanged: `instance_id` is its id and its kind is "swe".
        auto instance = row.find("instance_id");
        bool swe_row = instance != row.end() && instance->is_string() && !row.contains("id");
        if (swe_row) {
            row["id"] = *instance;
            if (!row.contains("kind")) row["kind"] = "swe";
        }
        auto id = row.find("id");
        if (id == row.end() || !id->is_string() || id->get_ref<const std::string&>().empty())
            return row_error(source_name, line_no, "row has no string field 'id' (or 'instance_id')");
        // Ids are printed in summaries and used in node paths: control characters (a terminal
        // escape sequence, NUL) would reach the terminal raw.
        const std::string& id_text = id->get_ref<const std::string&>();
        if (std::any_of(id_text.begin(), id_text.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
            return row_error(source_name, line_no,
                             "task id " + id->dump() + " holds a control character (ids must be printable)");
        auto kind = row.find("kind");
        if (kind == row.end() || !kind->is_string())
            return row_error(source_name, line_no,
                             "task '" + id->get<std::string>() + "' has no string field 'kind'");

        Task task{id->get<std::string>(), kind->get<std::string>(), std::move(row)};
        auto [seen, inserted] = line_of_id.emplace(task.id, line_no);
        if (!inserted)
            return row_error(source_name, line_no,
                             "duplicate task id '" + task.id + "' (first on line " +
                                 std::to_string(seen->second) + ")");
        tasks.push_back(std::move(task));
    }
    return tasks;
}

Result<std::vector<Task>> read_tasks_jsonl(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return make_error(ErrorCode::not_found, path + ": task file does not exist");
    if (std::filesystem::is_directory(path, ec))
        return make_error(ErrorCode::invalid_input, path + ": is a directory, not a task file");
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::invalid_input, path + ": cannot open task file for reading");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return make_error(ErrorCode::io, path + ": error while reading task file");
    return parse_tasks_jsonl(buffer.str(), path);
}

std::string to_jsonl_line(const nlohmann::json& value) {
    std::string out;
    append_jsonl(out, value);
    return out;
}

}  // namespace braid::tasks
