#pragma once
// The registry that owns a caller's tools and the pool their blocking work runs on. LLMCompiler
// gets make_tool_registry's; each SWE agent gets make_swe_tool_registry's (swe_tools.hpp).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/thread_pool.hpp>

#include "core/error.hpp"
#include "workers/tools/tool.hpp"

namespace braid::workers::tools {

// Not copyable; tools live as long as it, and its destructor waits for the calls still on its pool.
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
    asio::thread_pool& pool() const { return *pool_; }

private:
    std::unique_ptr<asio::thread_pool> pool_;
    std::vector<std::unique_ptr<Tool>> tools_;
};

// The registry LLMCompiler uses: calculator; read_file and search_files (kPlanFileTools) when
// `workspace` is set (it must be an existing folder); then every tool declared in `tools_path`
// (JSON, see command_tool.hpp), run in the workspace (or the current folder when there is none).
// Errors (invalid_input): a missing workspace folder, an unreadable or bad declarations file.
Result<std::unique_ptr<ToolRegistry>> make_tool_registry(const std::string& workspace,
                                                         const std::string& tools_path);

}  // namespace braid::workers::tools
