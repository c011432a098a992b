// libFuzzer entry point for the agent's tool-call protocol (agent.hpp, agent_protocol.hpp): a
// model's turn read by parse_tool_calls, and a tool's output written back by response_block,
// clip_middle and call_label.
//
// The first byte is the clip limit (0: none); the rest is both the model's turn and the tool
// output. Checks: no crash, no exception, no sanitizer report; every <tool_call> tag gives one call
// or one error ("tool call K: why"); a call has a name and object arguments, and calls written
// back as blocks parse to the same calls; clip_middle keeps short text whole and otherwise its
// head and tail around a count of what it left out; a response block is well-formed UTF-8 between
// its tags, its JSON holding the name and clipped content with ill-formed bytes replaced as
// repair_utf8 does; a label is name(...).
//
// Build (clang): cmake --build build --target fuzz_agent_protocol; run:
// scripts/fuzz 60 agent_protocol

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/utf8.hpp"
#include "workers/agent/agent_protocol.hpp"

using namespace braid::workers::agent;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

std::size_t count(std::string_view text, std::string_view tag) {
    std::size_t n = 0;
    for (std::size_t at = text.find(tag); at != std::string_view::npos; at = text.find(tag, at + 1))
        ++n;
    return n;
}

// A call as a model would write it; "</" escaped as "<\/" so no string closes the block.
std::string call_block(const AgentToolCall& call) {
    std::string json = nlohmann::json{{"name", call.name}, {"arguments", call.arguments}}.dump();
    for (std::size_t at = json.find("</"); at != std::string::npos; at = json.find("</", at + 3))
        json.replace(at, 2, "<\\/");
    return std::string(kCallOpen) + "\n" + json + "\n" + std::string(kCallClose);
}

void check_clip(std::string_view text, std::size_t max_chars) {
    const std::string clipped = clip_middle(text, max_chars);
    if (max_chars == 0 || text.size() <= max_chars) {
        check(clipped == text);
        return;
    }
    const std::size_t head = max_chars / 2;
    const std::size_t tail = max_chars - head;
    const std::string marker =
        "\n[... " + std::to_string(text.size() - max_chars) + " characters left out ...]\n";
    check(clipped == std::string(text.substr(0, head)) + marker +
                         std::string(text.substr(text.size() - tail)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t max_chars = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    ParsedTurn turn = parse_tool_calls(text);
    check(turn.calls.size() + turn.errors.size() == count(text, kCallOpen));
    for (const std::string& error : turn.errors) check(error.starts_with("tool call "));
    std::string written;
    for (const AgentToolCall& call : turn.calls) {
        check(!call.name.empty() && call.arguments.is_object());
        written += call_block(call) + "\nprose between calls\n";
        const std::string label = call_label(call);
        check(label.starts_with(call.name + "(") && label.ends_with(")"));
    }
    ParsedTurn again = parse_tool_calls(written);
    check(again.errors.empty() && again.calls.size() == turn.calls.size());
    for (std::size_t i = 0; i < again.calls.size(); ++i)
        check(again.calls[i].name == turn.calls[i].name &&
              again.calls[i].arguments == turn.calls[i].arguments);

    check_clip(text, max_chars);
    const std::string name(text.substr(0, text.size() / 8));
    const std::string block = response_block(name, (size & 1) != 0, text, max_chars);
    check(braid::is_valid_utf8(block));
    const std::string open = std::string(kResponseOpen) + "\n";
    const std::string close = "\n" + std::string(kResponseClose) + "\n";
    check(block.starts_with(open) && block.ends_with(close));
    const nlohmann::json body = nlohmann::json::parse(
        block.substr(open.size(), block.size() - open.size() - close.size()), nullptr, false);
    check(body.is_object() && body["name"] == braid::repair_utf8(name) &&
          body["ok"] == ((size & 1) != 0) &&
          body["content"] == braid::repair_utf8(clip_middle(text, max_chars)));
    return 0;
}
