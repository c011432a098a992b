// The agent's prompt (agent.hpp): instructions, the tools, the call format, then the problem.
#include "workers/agent/agent.hpp"

namespace braid::workers::agent {

namespace {

constexpr std::string_view kInstructions =
    "You are a software engineer fixing an issue in a repository. The repository is checked out in "
    "your workspace; every path you give is relative to it. Explore the code, find the cause, change "
    "the source files to fix the issue, check your change, then submit.\n\n";

constexpr std::string_view kTools =
    "Tools:\n"
    "- shell {\"command\": str}: runs a shell command in the workspace (no network); returns the exit "
    "code and the output.\n"
    "- read_file {\"path\": str, \"start\"?: int, \"end\"?: int}: lines start..end (1-based, inclusive) "
    "of a file, numbered.\n"
    "- search {\"pattern\": str, \"path\"?: str}: lines matching a regular expression in the files under "
    "path (default: the whole workspace), as path:line: text.\n"
    "- edit {\"path\": str, \"old\": str, \"new\": str}: replaces the one occurrence of old by new; old "
    "must match exactly once, whitespace included. With old \"\" it creates a new file.\n"
    "- apply_patch {\"patch\": str}: applies a unified diff.\n"
    "- run_tests {\"tests\"?: [str]}: runs the repository's test command, on the given tests when "
    "given; returns counts per status and the failures.\n"
    "- submit {}: ends your work; your changes to the workspace are the answer.\n\n";

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
    out += kTools;
    out += kFormat;
    if (write_reproduction_test) out += kReproduction;
    out += "<issue>\n";
    out += problem_statement;
    if (!problem_statement.empty() && problem_statement.back() != '\n') out += "\n";
    out += "</issue>\n\n";
    return out;
}

}  // namespace braid::workers::agent
