#include "backends/local/tokenizer/special_tokens.hpp"

#include <algorithm>

namespace braid::backends::local {

void SpecialTokens::add(std::string text, std::int32_t id, bool always) {
    if (text.empty()) return;
    auto& bucket = by_first_byte_[static_cast<unsigned char>(text[0])];
    bucket.push_back({std::move(text), id, always});
    std::stable_sort(bucket.begin(), bucket.end(),
                     [](const Entry& a, const Entry& b) { return a.text.size() > b.text.size(); });
}

void SpecialTokens::partition(std::string_view text, bool parse_control, std::vector<Fragment>& out) const {
    std::size_t raw_begin = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const Entry* found = nullptr;
        for (const Entry& e : by_first_byte_[static_cast<unsigned char>(text[pos])]) {
            if ((e.always || parse_control) && text.substr(pos, e.text.size()) == e.text) {
                found = &e;
                break;
            }
        }
        if (found == nullptr) {
            ++pos;
            continue;
        }
        if (pos > raw_begin) out.push_back({text.substr(raw_begin, pos - raw_begin), -1});
        out.push_back({text.substr(pos, found->text.size()), found->id});
        pos += found->text.size();
        raw_begin = pos;
    }
    if (raw_begin < text.size()) out.push_back({text.substr(raw_begin), -1});
}

}  // namespace braid::backends::local
