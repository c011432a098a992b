#pragma once
// The special-token partition (engine.md §2.2 step 1): splits text on exact occurrences of
// control and user-defined tokens. At each position the longest matching token wins; text
// between matches is left for the model's own segmentation.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace braid::backends::local {

class SpecialTokens {
public:
    // `always` tokens (user-defined) are recognised in every call; `on_request` tokens (control)
    // only when the caller asks to parse special tokens. Empty texts are ignored.
    void add(std::string text, std::int32_t id, bool always);

    struct Fragment {
        std::string_view text;  // points into the partitioned text
        std::int32_t id = -1;   // the special token, or -1 for raw text
    };
    // Appends the fragments of `text` in order; raw fragments are never empty.
    void partition(std::string_view text, bool parse_control, std::vector<Fragment>& out) const;

private:
    struct Entry {
        std::string text;
        std::int32_t id;
        bool always;
    };
    std::vector<Entry> by_first_byte_[256];  // each sorted longest first
};

}  // namespace braid::backends::local
