#include "workers/tools/command_tool.hpp"

#include <cctype>

#include "core/json_text.hpp"
#include "tasks/env/sandbox.hpp"

namespace braid::workers::tools {

namespace {

using tasks::env::ProcessResult;
using tasks::env::Sandbox;
using tasks::env::SandboxPolicy;

constexpr std::size_t kMaxStderrInError = 2000;

bool is_identifier(std::string_view s) {
    if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    for (char c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    return true;
}

// Calls `on_placeholder(index)` for each {argN} in `element`; an error for any other {...}.
// Returns the element with every placeholder replaced by `values` (when given).
Result<std::string> expand(std::string_view element, const std::vector<std::string>* values,
                           int& arity) {
    std::string out;
    for (std::size_t i = 0; i < element.size(); ++i) {
        if (element[i] != '{') {
            out += element[i];
            continue;
        }
        std::size_t close = element.find('}', i);
        std::string_view inner = close == std::string_view::npos
                                     ? element.substr(i)
                                     : element.substr(i + 1, close - i - 1);
        bool ok =
            close != std::string_view::npos && inner.size() > 3 && inner.substr(0, 3) == "arg";
        std::size_t index = 0;
        for (std::size_t k = 3; ok && k < inner.size(); ++k) {
            if (!std::isdigit(static_cast<unsigned char>(inner[k])) || k > 6)
                ok = false;
            else
                index = index * 10 + static_cast<std::size_t>(inner[k] - '0');
        }
        if (!ok)
            return make_error(ErrorCode::invalid_input,
                              "unknown placeholder '" +
                                  std::string(element.substr(i, close == std::string_view::npos
                                                                    ? std::string_view::npos
                                                                    : close - i + 1)) +
                                  "' (only {arg0}, {arg1}, ...)");
        arity = std::max(arity, static_cast<int>(index) + 1);
        if (values) out += (*values)[index];
        i = close;
    }
    return out;
}

std::string arg_text(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : json_text(v);
}

class CommandTool final : public BlockingTool {
public:
    CommandTool(CommandSpec spec, std::filesystem::path cwd, std::shared_ptr<const Sandbox> sandbox)
        : spec_(std::move(spec)), cwd_(std::move(cwd)), sandbox_(std::move(sandbox)) {}
    std::string_view name() const override { return spec_.name; }
    std::string_view description() const override { return spec_.description; }

protected:
    Result<ToolOutput> call(const nlohmann::json& args, int cancel_fd) const override {
        if (!args.is_array() || static_cast<int>(args.size()) < spec_.arity)
            return make_error(ErrorCode::invalid_input,
                              spec_.name + " takes " + std::to_string(spec_.arity) +
                                  " argument(s), got " + std::to_string(args.size()));
        std::vector<std::string> values;
        for (const auto& a : args) values.push_back(arg_text(a));
        std::vector<std::string> argv;
        for (const std::string& element : spec_.command) {
            int unused = 0;
            auto expanded = expand(element, &values, unused);
            if (!expanded) return std::move(expanded).error();
            argv.push_back(std::move(*expanded));
        }
        SandboxPolicy policy;
        policy.timeout = std::chrono::milliseconds(spec_.timeout_ms);
        policy.max_output_bytes = kMaxCommandOutputBytes;
        policy.network = spec_.network;
        policy.writable = {cwd_};
        Result<ProcessResult> done = sandbox_->run(argv, cwd_, policy, cancel_fd);
        if (!done) return std::move(done).error().with_context(spec_.name);
        if (done->timed_out)
            return make_error(ErrorCode::timeout,
                              spec_.name + " timed out after " + std::to_string(spec_.timeout_ms) +
                                  " ms; its processes were killed");
        if (done->exit_code != 0) {
            std::string err = done->err.substr(0, kMaxStderrInError);
            return make_error(ErrorCode::io, spec_.name + " exited with status " +
                                                 std::to_string(done->exit_code) +
                                                 (err.empty() ? "" : ": " + err));
        }
        std::string observation = std::move(done->out);
        if (done->truncated)
            observation +=
                "\n[output truncated at " + std::to_string(kMaxCommandOutputBytes) + " bytes]";
        return ToolOutput{std::move(observation), {}};
    }

private:
    CommandSpec spec_;
    std::filesystem::path cwd_;
    std::shared_ptr<const Sandbox> sandbox_;
};

Error bad(std::size_t index, const std::string& name, std::string_view field,
          std::string_view why) {
    std::string who =
        "tools[" + std::to_string(index) + "]" + (name.empty() ? "" : " ('" + name + "')");
    return make_error(ErrorCode::invalid_input,
                      who + ": field '" + std::string(field) + "' " + std::string(why));
}

}  // namespace

Result<std::vector<CommandSpec>> parse_tool_declarations(const nlohmann::json& doc) {
    if (!doc.is_object() || !doc.contains("tools") || !doc["tools"].is_array())
        return make_error(ErrorCode::invalid_input,
                          "tool declarations: field 'tools' must be an array");
    std::vector<CommandSpec> specs;
    const auto& list = doc["tools"];
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& t = list[i];
        if (!t.is_object()) return bad(i, "", "tools", "entries must be objects");
        CommandSpec spec;
        if (!t.contains("name") || !t["name"].is_string())
            return bad(i, "", "name", "is missing or not a string");
        spec.name = t["name"].get<std::string>();
        if (!is_identifier(spec.name))
            return bad(i, spec.name, "name", "must be an identifier (letters, digits, _)");
        for (const CommandSpec& s : specs)
            if (s.name == spec.name) return bad(i, spec.name, "name", "duplicates an earlier tool");
        if (t.contains("description")) {
            if (!t["description"].is_string())
                return bad(i, spec.name, "description", "must be a string");
            spec.description = t["description"].get<std::string>();
        }
        if (!t.contains("command") || !t["command"].is_array() || t["command"].empty())
            return bad(i, spec.name, "command", "must be a non-empty array of strings");
        for (const auto& element : t["command"]) {
            if (!element.is_string())
                return bad(i, spec.name, "command", "must be a non-empty array of strings");
            auto checked = expand(element.get<std::string>(), nullptr, spec.arity);
            if (!checked) return bad(i, spec.name, "command", checked.error().message);
            spec.command.push_back(element.get<std::string>());
        }
        if (spec.command[0].empty()) return bad(i, spec.name, "command", "names an empty program");
        if (t.contains("timeout_ms")) {
            const auto& ms = t["timeout_ms"];
            if (!ms.is_number_integer() || ms.get<std::int64_t>() <= 0 ||
                ms.get<std::int64_t>() > kMaxCommandTimeoutMs)
                return bad(i, spec.name, "timeout_ms",
                           "must be an integer from 1 to " + std::to_string(kMaxCommandTimeoutMs));
            spec.timeout_ms = ms.get<std::int64_t>();
        }
        if (t.contains("network")) {
            if (!t["network"].is_boolean()) return bad(i, spec.name, "network", "must be a boolean");
            spec.network = t["network"].get<bool>();
        }
        if (spec.description.empty())
            spec.description = spec.name + "(...): runs " + spec.command[0];
        specs.push_back(std::move(spec));
    }
    return specs;
}

std::unique_ptr<Tool> make_command_tool(CommandSpec spec, std::filesystem::path cwd,
                                        std::shared_ptr<const tasks::env::Sandbox> sandbox) {
    return std::make_unique<CommandTool>(std::move(spec), std::move(cwd), std::move(sandbox));
}

}  // namespace braid::workers::tools
