#include "tasks/swe/swe_task.hpp"

#include <nlohmann/json.hpp>

#include "tasks/jsonl.hpp"
#include "tasks/swe/test_log.hpp"

namespace braid::tasks::swe {

namespace {

using nlohmann::json;

// Reads one row into a SweTask, field by field; the first bad field ends the parse.
class RowReader {
public:
    explicit RowReader(const json& row) : row_(row) {
        auto it = row.find("instance_id");
        if (it != row.end() && it->is_string())
            name_ = "instance '" + it->get<std::string>() + "'";
        else
            name_ = "SWE row";
    }

    Error bad(std::string_view field, std::string_view why) const {
        return make_error(ErrorCode::invalid_input,
                          name_ + ": field '" + std::string(field) + "' " + std::string(why));
    }

    Result<void> required_string(const json& object, std::string_view key, std::string& out,
                                 std::string_view shown) const {
        auto it = object.find(key);
        if (it == object.end()) return bad(shown, "is missing");
        if (!it->is_string()) return bad(shown, "must be a string");
        out = it->get<std::string>();
        return {};
    }

    Result<void> optional_string(const json& object, std::string_view key, std::string& out,
                                 std::string_view shown) const {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) return {};
        if (!it->is_string()) return bad(shown, "must be a string");
        out = it->get<std::string>();
        return {};
    }

    // A list of strings, or (as Hugging Face stores FAIL_TO_PASS) a JSON string holding one.
    Result<void> string_list(const json& object, std::string_view key,
                             std::vector<std::string>& out, std::string_view shown,
                             bool required) const {
        auto it = object.find(key);
        if (it == object.end() || it->is_null()) {
            if (required) return bad(shown, "is missing");
            return {};
        }
        json list = *it;
        if (list.is_string()) {
            list = json::parse(it->get<std::string>(), nullptr, /*allow_exceptions=*/false);
            if (list.is_discarded()) return bad(shown, "is a string that is not a JSON list");
        }
        if (!list.is_array())
            return bad(shown, "must be a list of strings or a JSON string holding one");
        out.clear();
        for (const json& item : list) {
            if (!item.is_string()) return bad(shown, "must hold only strings");
            out.push_back(item.get<std::string>());
        }
        return {};
    }

    Result<void> positive_int(const json& object, std::string_view key, std::int64_t& out,
                              std::string_view shown) const {
        auto it = object.find(key);
        if (it == object.end()) return {};
        if (!it->is_number_integer()) return bad(shown, "must be an integer");
        std::int64_t value = it->get<std::int64_t>();
        if (value <= 0) return bad(shown, "must be positive");
        out = value;
        return {};
    }

    Result<SweEnv> env() const {
        SweEnv env;
        auto it = row_.find("env");
        if (it == row_.end() || it->is_null())
            return bad("env.repo_path", "is missing (braid runs local repositories only)");
        const json& e = *it;
        if (!e.is_object()) return bad("env", "must be an object");
        std::string repo_path;
        if (auto r = required_string(e, "repo_path", repo_path, "env.repo_path"); !r)
            return std::move(r).error();
        if (repo_path.empty()) return bad("env.repo_path", "must not be empty");
        env.repo_path = repo_path;
        if (auto r = string_list(e, "setup", env.setup, "env.setup", false); !r)
            return std::move(r).error();
        if (auto r = optional_string(e, "test_cmd", env.test_cmd, "env.test_cmd"); !r)
            return std::move(r).error();
        if (env.test_cmd.empty()) return bad("env.test_cmd", "must not be empty");
        if (auto r = string_list(e, "test_directives", env.test_directives, "env.test_directives",
                                 false);
            !r)
            return std::move(r).error();
        if (auto r = optional_string(e, "log_parser", env.log_parser, "env.log_parser"); !r)
            return std::move(r).error();
        if (env.log_parser != "pytest" && env.log_parser != "unittest" && env.log_parser != "regex")
            return bad("env.log_parser",
                       "must be pytest, unittest or regex, not '" + env.log_parser + "'");
        if (auto r = optional_string(e, "log_regex", env.log_regex, "env.log_regex"); !r)
            return std::move(r).error();
        if (env.log_parser == "regex") {
            if (env.log_regex.empty())
                return bad("env.log_regex", "is required by the regex log parser");
            if (auto parsed = parse_test_log("regex", "", env.log_regex); !parsed)
                return bad("env.log_regex", parsed.error().message);
        }
        if (auto r = optional_string(e, "eval_type", env.eval_type, "env.eval_type"); !r)
            return std::move(r).error();
        if (env.eval_type != "pass_and_fail" && env.eval_type != "fail_only")
            return bad("env.eval_type",
                       "must be pass_and_fail or fail_only, not '" + env.eval_type + "'");
        if (auto r = positive_int(e, "timeout_s", env.timeout_s, "env.timeout_s"); !r)
            return std::move(r).error();
        if (auto r = positive_int(e, "command_timeout_s", env.command_timeout_s,
                                  "env.command_timeout_s");
            !r)
            return std::move(r).error();
        if (auto r = positive_int(e, "disk_quota_mb", env.disk_quota_mb, "env.disk_quota_mb"); !r)
            return std::move(r).error();
        if (env.disk_quota_mb > kMaxDiskQuotaMb)
            return bad("env.disk_quota_mb", "must be at most " + std::to_string(kMaxDiskQuotaMb));
        if (auto r = positive_int(e, "max_patch_kb", env.max_patch_kb, "env.max_patch_kb"); !r)
            return std::move(r).error();
        if (env.max_patch_kb > kMaxPatchKb)
            return bad("env.max_patch_kb", "must be at most " + std::to_string(kMaxPatchKb));
        if (auto n = e.find("network"); n != e.end()) {
            if (!n->is_boolean()) return bad("env.network", "must be true or false");
            env.network = n->get<bool>();
        }
        return env;
    }

private:
    const json& row_;
    std::string name_;
};

}  // namespace

Result<SweTask> parse_swe_task(const nlohmann::json& row) {
    if (!row.is_object()) return make_error(ErrorCode::invalid_input, "SWE row: not a JSON object");
    RowReader reader(row);
    SweTask task;
    if (auto r = reader.required_string(row, "instance_id", task.instance_id, "instance_id"); !r)
        return std::move(r).error();
    if (auto r = reader.required_string(row, "repo", task.repo, "repo"); !r)
        return std::move(r).error();
    if (auto r = reader.required_string(row, "base_commit", task.base_commit, "base_commit"); !r)
        return std::move(r).error();
    if (auto r = reader.required_string(row, "problem_statement", task.problem_statement,
                                        "problem_statement");
        !r)
        return std::move(r).error();
    if (auto r = reader.optional_string(row, "hints_text", task.hints_text, "hints_text"); !r)
        return std::move(r).error();
    if (auto r = reader.optional_string(row, "version", task.version, "version"); !r)
        return std::move(r).error();
    if (auto r = reader.string_list(row, "FAIL_TO_PASS", task.fail_to_pass, "FAIL_TO_PASS", true);
        !r)
        return std::move(r).error();
    if (auto r = reader.string_list(row, "PASS_TO_PASS", task.pass_to_pass, "PASS_TO_PASS", true);
        !r)
        return std::move(r).error();
    if (auto r = reader.optional_string(row, "patch", task.patch, "patch"); !r)
        return std::move(r).error();
    if (auto r = reader.optional_string(row, "test_patch", task.test_patch, "test_patch"); !r)
        return std::move(r).error();
    auto env = reader.env();
    if (!env) return std::move(env).error();
    task.env = std::move(*env);
    return task;
}

void resolve_repo_path(nlohmann::json& row, const std::filesystem::path& base_dir) {
    auto env = row.find("env");
    if (env == row.end() || !env->is_object()) return;
    auto path = env->find("repo_path");
    if (path == env->end() || !path->is_string()) return;
    std::filesystem::path repo = path->get<std::string>();
    if (repo.empty() || repo.is_absolute()) return;
    *path = (std::filesystem::absolute(base_dir) / repo).lexically_normal().string();
}

std::vector<std::string> files_in_diff(const std::string& diff) {
    // Per file section: "--- a/x" then "+++ b/y"; /dev/null on one side for creations/deletions.
    std::vector<std::string> files;
    auto add = [&files](std::string name) {
        for (const auto& f : files)
            if (f == name) return;
        files.push_back(std::move(name));
    };
    auto strip = [](std::string_view path) {
        std::size_t tab = path.find('\t');  // `diff -u` appends a timestamp after a tab
        if (tab != std::string_view::npos) path = path.substr(0, tab);
        while (!path.empty() && (path.back() == '\r' || path.back() == ' ')) path.remove_suffix(1);
        if (path.size() > 2 && (path.substr(0, 2) == "a/" || path.substr(0, 2) == "b/"))
            path.remove_prefix(2);
        return std::string(path);
    };
    std::string minus;
    std::size_t pos = 0;
    while (pos < diff.size()) {
        std::size_t end = diff.find('\n', pos);
        if (end == std::string::npos) end = diff.size();
        std::string_view line(diff.data() + pos, end - pos);
        pos = end + 1;
        if (line.starts_with("--- ")) {
            minus = strip(line.substr(4));
        } else if (line.starts_with("+++ ")) {
            std::string plus = strip(line.substr(4));
            if (plus != "/dev/null")
                add(plus);
            else if (!minus.empty() && minus != "/dev/null")
                add(minus);
            minus.clear();
        }
    }
    return files;
}

std::string to_prediction_line(const Prediction& prediction) {
    nlohmann::ordered_json line;
    line["instance_id"] = prediction.instance_id;
    line["model_name_or_path"] = prediction.model_name_or_path;
    line["model_patch"] = prediction.model_patch;
    // to_jsonl_line takes nlohmann::json, whose keys sort; these three already sort in harness
    // order.
    return to_jsonl_line(nlohmann::json(line));
}

}  // namespace braid::tasks::swe
