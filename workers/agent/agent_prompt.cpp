// The agent's prompt (agent.hpp): instructions, the tools (as swe_tools describes them), the call
// format, then the problem.
#include "workers/agent/agent.hpp"
#include "workers/tools/swe_tools.hpp"

namespace braid::workers::agent {

namespace {

constexpr std::string_view kInstructions =
    "You are a software engineer fixing an issue in a repository. The repository is checked out in "
    "your workspace; every path you give is relative to it. Explore the code, find the cause, change "
    "the source files to fix the issue, check your change, then submit.\n\n";

constexpr std::string_view kFormat =
    "To call tools, write each call as JSON between tags, for example:\n"
    "<tool_call>\n"
    "{\"name\": \"read_file\", \"arguments\": {\"path\": \"src/module.py\", \"start\": 1, \"end\": 40}}\n"
    "</tool_call>\n"
    "You may write your reasoning before the calls. Several calls in one turn run at the same time, "
    "so they must not depend on each other. The results come back as <tool_response> blocks, in "
    "order. Every turn must contain at least one call. Do not change the existing tests.\n\n";

constexpr std::string_view kReproduction =
    "Before the fix, write a small test that reproduces the issue and check that it fails; after "
    "the fix, check that it passes.\n\n";

}  // namespace

std::string agent_prompt(std::string_view problem_statement, bool write_reproduction_test) {
    std::string out;
    out += kInstructions;
    out += "Tools:\n";
    for (std::string_view tool : tools::swe_tool_descriptions()) out += "- " + std::string(tool) + "\n";
    out += "\n";
    out += kFormat;
    if (write_reproduction_test) out += kReproduction;
    out += "<issue>\n";
    out += problem_statement;
    if (!problem_statement.empty() && problem_statement.back() != '\n') out += "\n";
    out += "</issue>\n\n";
    return out;
}

}  // namespace braid::workers::agent
