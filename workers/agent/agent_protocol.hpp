#pragma once
// The text protocol of the agent thread (agent.hpp): parse_tool_calls reads the model's
// <tool_call> blocks (declared in agent.hpp); this file writes the other direction, the
// <tool_response> blocks the loop appends, keeps long observations to their head and tail, and
// labels a call's node.

#include <cstddef>
#include <string>
#include <string_view>

#include "workers/agent/agent.hpp"

namespace braid::workers::agent {

inline constexpr std::string_view kCallOpen = "<tool_call>";
inline constexpr std::string_view kCallClose = "</tool_call>";
inline constexpr std::string_view kResponseOpen = "<tool_response>";
inline constexpr std::string_view kResponseClose = "</tool_response>";

// `text` when it fits in `max_chars`; otherwise its head and tail (about half each) around a
// line saying how many characters were left out. max_chars 0 keeps everything.
std::string clip_middle(std::string_view text, std::size_t max_chars);

// "<tool_response>\n{"name": ..., "ok": ..., "content": ...}\n</tool_response>\n", the content
// clipped to max_chars. Invalid UTF-8 in the content is replaced, never an exception.
std::string response_block(std::string_view name, bool ok, std::string_view content, std::size_t max_chars);

// A short label for a call's node: `name(arguments)`, long values cut.
std::string call_label(const AgentToolCall& call);

}  // namespace braid::workers::agent
