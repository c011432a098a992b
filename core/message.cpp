#include "core/message.hpp"

namespace braid {

std::string_view to_string(Role role) {
    switch (role) {
        case Role::system: return "system";
        case Role::user: return "user";
        case Role::assistant: return "assistant";
        case Role::tool: return "tool";
    }
    return "user";
}

bool parse_role(std::string_view text, Role& out) {
    for (Role r : {Role::system, Role::user, Role::assistant, Role::tool}) {
        if (text == to_string(r)) {
            out = r;
            return true;
        }
    }
    return false;
}

}  // namespace braid
