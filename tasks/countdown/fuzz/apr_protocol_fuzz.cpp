// libFuzzer entry point for the APR spawn()/join() protocol (apr_protocol.hpp): a parent's text
// (model output) read by parse_spawn, spawn_level and ends_with_spawn, a child's by child_result,
// and the join spliced back by splice_join.
//
// The input is a parent's text (prompt + completion). Checks: no crash, no exception, no sanitizer
// report; spawn_level is in 1..1000; a parsed spawn ends with a spawn block and names at least one
// child, each child's prompt is state_prompt of its state and parse_state reads that state back;
// the block rewritten by spawn_block (same ids, same level) parses to the same children; a solved
// child_result has a non-empty path that occurs in the text, ends with no blank and whose last
// line holds "Goal Reached", an unsolved one no path; splice_join keeps the text before the block
// and appends join_block, and the result no longer ends with a spawn.
//
// Build (clang): cmake --build build --target fuzz_apr_protocol; run: scripts/fuzz 60 apr_protocol

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/countdown/apr_protocol.hpp"

using namespace braid::tasks::countdown;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void check_child(const ChildResult& child, std::string_view text) {
    if (!child.solved) {
        check(child.path.empty());
        return;
    }
    check(!child.path.empty() && text.find(child.path) != std::string_view::npos);
    const char last = child.path.back();
    check(last != ' ' && last != '\t' && last != '\r' && last != '\n');
    std::size_t line = child.path.rfind('\n');
    check(child.path.find("Goal Reached", line == std::string::npos ? 0 : line + 1) !=
          std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const int level = spawn_level(text);
    check(level >= 1 && level <= 1000);

    ChildResult own = child_result("0", text);
    check_child(own, text);

    auto spawn = parse_spawn(text);
    if (!spawn) {
        check(!spawn.error().message.empty());
        return 0;
    }
    check(ends_with_spawn(text) && !spawn->empty());
    std::vector<std::string> ids;
    std::vector<ChildResult> children;
    for (const SpawnRequest& request : *spawn) {
        check(request.prompt == state_prompt(request.state));
        auto parsed = parse_state(request.prompt);
        check(parsed.has_value() && parsed->state == request.state);
        ids.push_back(request.state.node_id);
        children.push_back(child_result(request.state.node_id, request.prompt + "\n" + own.path));
    }

    const std::size_t block = text.rfind(kCallingSubSearches);
    const std::string prefix(text.substr(0, block));
    auto again = parse_spawn(prefix + spawn_block(ids, level));
    check(again.has_value() && again->size() == spawn->size());
    for (std::size_t i = 0; i < spawn->size(); ++i) check((*again)[i].state == (*spawn)[i].state);

    auto joined = splice_join(text, children, level);
    check(joined.has_value() && *joined == prefix + join_block(children, level));
    check(!ends_with_spawn(*joined));
    return 0;
}
