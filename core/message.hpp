#pragma once
// Chat messages and token usage: the vocabulary every backend and worker speaks.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace braid {

enum class Role { system, user, assistant, tool };

std::string_view to_string(Role role);
bool parse_role(std::string_view text, Role& out);

// A function call the model asked for (OpenAI `tool_calls[]`).
struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;  // JSON text as the model wrote it; may be invalid JSON
    friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

// One chat turn. An assistant turn may carry tool calls (its content may then be empty); a tool
// turn answers the call named by tool_call_id.
struct Message {
    Message() = default;
    Message(Role r, std::string text, std::vector<ToolCall> calls = {}, std::string call_id = {})
        : role(r),
          content(std::move(text)),
          tool_calls(std::move(calls)),
          tool_call_id(std::move(call_id)) {}

    Role role = Role::user;
    std::string content;
    std::vector<ToolCall> tool_calls;  // assistant turns only
    std::string tool_call_id;          // tool turns only
    friend bool operator==(const Message&, const Message&) = default;
};

struct Usage {
    std::int64_t prompt_tokens = 0;
    std::int64_t completion_tokens = 0;
    std::int64_t cached_prompt_tokens = 0;  // prompt tokens served from a prefix cache

    std::int64_t total_tokens() const { return prompt_tokens + completion_tokens; }
    Usage& operator+=(const Usage& other) {
        prompt_tokens += other.prompt_tokens;
        completion_tokens += other.completion_tokens;
        cached_prompt_tokens += other.cached_prompt_tokens;
        return *this;
    }
    friend bool operator==(const Usage&, const Usage&) = default;
};

}  // namespace braid
