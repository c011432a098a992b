#pragma once
// Tools a plan may call (LLMCompiler, reference/parallel.md §4), and the registry that owns them.
//
// A Tool has a name, a one-line description for the planner prompt and run(args): args are the
// call's parsed arguments as a JSON array (strings, numbers, lists: what a plan line's Python
// literals parse to). run() is a coroutine awaited on the orchestration executor; blocking work
// (file reads, child processes) goes to the registry's pool and the result comes back on the
// caller's executor. An expected failure (bad arguments, a missing file, a command that exits
// non-zero or times out) is an Error value: the planner shows it to the model as the observation.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace braid::workers::tools {

class Tool {
public:
    virtual ~Tool() = default;
    virtual std::string_view name() const = 0;
    // How the planner prompt lists it, e.g. "calculator(expression): evaluates ...".
    virtual std::string_view description() const = 0;
    // `pool` runs blocking work; it outlives the call.
    virtual asio::awaitable<Result<std::string>> run(nlohmann::json args,
                                                     asio::thread_pool& pool) const = 0;
};

// Owns the tools and the pool their blocking work runs on. Not copyable; tools live as long as it.
class ToolRegistry {
public:
    static constexpr std::size_t kPoolThreads = 4;
    ToolRegistry();
    ~ToolRegistry();
    ToolRegistry(const ToolRegistry&) = delete;
    ToolRegistry& operator=(const ToolRegistry&) = delete;

    // Errors (invalid_input): a tool of that name is already registered.
    Result<void> add(std::unique_ptr<Tool> tool);
    const Tool* find(std::string_view name) const;
    std::vector<const Tool*> tools() const;  // in registration order
    asio::thread_pool& pool() { return *pool_; }

private:
    std::unique_ptr<asio::thread_pool> pool_;
    std::vector<std::unique_ptr<Tool>> tools_;
};

// The registry LLMCompiler uses: calculator; read_file and search_files when `workspace` is set
// (it must be an existing folder); then every tool declared in `tools_path` (JSON, see
// command_tool.hpp), run in the workspace (or the current folder when there is none).
// Errors (invalid_input): a missing workspace folder, an unreadable or bad declarations file.
Result<std::unique_ptr<ToolRegistry>> make_tool_registry(const std::string& workspace,
                                                         const std::string& tools_path);

// Arguments as a tool reads them: the `index`-th argument as a string (numbers are printed), or an
// invalid_input error naming the tool and the argument.
Result<std::string> string_arg(std::string_view tool, const nlohmann::json& args,
                               std::size_t index);

}  // namespace braid::workers::tools
