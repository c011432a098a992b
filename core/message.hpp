#pragma once
// Chat messages and token usage: the vocabulary every backend and worker speaks.

#include <cstdint>
#include <string>
#include <string_view>

namespace braid {

enum class Role { system, user, assistant, tool };

std::string_view to_string(Role role);
bool parse_role(std::string_view text, Role& out);

struct Message {
    Role role = Role::user;
    std::string content;
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
