#include "workers/tools/tool_registry.hpp"

#include <fstream>

#include "workers/tools/calculator.hpp"
#include "workers/tools/command_tool.hpp"
#include "workers/tools/file_tools.hpp"

namespace braid::workers::tools {

namespace fs = std::filesystem;

ToolRegistry::ToolRegistry() : pool_(std::make_unique<asio::thread_pool>(kPoolThreads)) {}

ToolRegistry::~ToolRegistry() {
    // Work still queued must not outlive the tools it refers to.
    pool_->join();
}

Result<void> ToolRegistry::add(std::unique_ptr<Tool> tool) {
    if (find(tool->name()))
        return make_error(ErrorCode::invalid_input,
                          "tool '" + std::string(tool->name()) + "' is declared twice");
    tools_.push_back(std::move(tool));
    return {};
}

const Tool* ToolRegistry::find(std::string_view name) const {
    for (const auto& t : tools_)
        if (t->name() == name) return t.get();
    return nullptr;
}

std::vector<const Tool*> ToolRegistry::tools() const {
    std::vector<const Tool*> out;
    for (const auto& t : tools_) out.push_back(t.get());
    return out;
}

Result<std::unique_ptr<ToolRegistry>> make_tool_registry(const std::string& workspace,
                                                         const std::string& tools_path) {
    auto registry = std::make_unique<ToolRegistry>();
    (void)registry->add(make_calculator_tool());
    fs::path cwd = fs::current_path();
    if (!workspace.empty()) {
        std::error_code ec;
        fs::path root = fs::canonical(workspace, ec);
        if (ec || !fs::is_directory(root, ec))
            return make_error(ErrorCode::invalid_input,
                              "--workspace: '" + workspace + "' is not a folder");
        cwd = root;
        (void)registry->add(make_read_file_tool(root, kPlanFileTools));
        (void)registry->add(make_search_tool(root, kPlanFileTools));
    }
    if (!tools_path.empty()) {
        std::ifstream in(tools_path);
        if (!in)
            return make_error(ErrorCode::invalid_input,
                              "--tools: cannot read '" + tools_path + "'");
        nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
        if (doc.is_discarded())
            return make_error(ErrorCode::invalid_input,
                              "--tools: '" + tools_path + "' is not valid JSON");
        auto specs = parse_tool_declarations(doc);
        if (!specs) return std::move(specs).error().with_context("--tools " + tools_path);
        // Probed once here, not per call: tens of milliseconds.
        auto sandbox = std::make_shared<const tasks::env::Sandbox>(tasks::env::probe_sandbox());
        for (CommandSpec& spec : *specs) {
            auto added = registry->add(make_command_tool(std::move(spec), cwd, sandbox));
            if (!added) return std::move(added).error().with_context("--tools " + tools_path);
        }
    }
    return registry;
}

}  // namespace braid::workers::tools
