#include "backends/local/tokenizer/spm_model.hpp"

#include <queue>

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {
namespace {

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

std::optional<std::uint8_t> parse_byte_token(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
    const int hi = hex_digit(text[3]), lo = hex_digit(text[4]);
    if (hi < 0 || lo < 0) return std::nullopt;
    return static_cast<std::uint8_t>(hi * 16 + lo);
}

Result<SpmModel> SpmModel::create(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                                  const std::vector<TokenType>& types, std::optional<int> unknown_id) {
    if (scores.size() != pieces.size())
        return make_error(ErrorCode::invalid_input, "sentencepiece vocabulary needs one score per token (" +
                                                        std::to_string(scores.size()) + " scores, " +
                                                        std::to_string(pieces.size()) + " tokens)");
    SpmModel model;
    model.scores_ = scores;
    model.byte_token_.fill(-1);
    int num_byte_tokens = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const auto id = static_cast<std::int32_t>(i);
        if (types[i] == TokenType::byte) {
            const auto byte = parse_byte_token(pieces[i]);
            if (!byte)
                return make_error(ErrorCode::invalid_input, "byte token " + std::to_string(id) +
                                                                " is not <0xHH>: " + pieces[i]);
            if (model.byte_token_[*byte] >= 0)
                return make_error(ErrorCode::invalid_input, "byte token " + pieces[i] + " appears twice");
            model.byte_token_[*byte] = id;
            model.token_byte_.emplace(id, *byte);
            ++num_byte_tokens;
        } else if (types[i] == TokenType::normal) {
            model.piece_to_id_.emplace(pieces[i], id);  // the first of duplicates wins
        }
    }
    if (num_byte_tokens != 0 && num_byte_tokens != 256)
        return make_error(ErrorCode::invalid_input, "sentencepiece vocabulary has " +
                                                        std::to_string(num_byte_tokens) +
                                                        " byte tokens; byte fallback needs all 256");
    model.has_byte_tokens_ = num_byte_tokens == 256;
    model.unknown_id_ = unknown_id.value_or(-1);
    if (!model.has_byte_tokens_ && model.unknown_id_ < 0)
        return make_error(ErrorCode::invalid_input,
                          "sentencepiece vocabulary has neither byte tokens nor an unknown token");
    return model;
}

std::optional<std::uint8_t> SpmModel::byte_of(std::int32_t id) const {
    auto it = token_byte_.find(id);
    if (it == token_byte_.end()) return std::nullopt;
    return it->second;
}

std::int32_t SpmModel::find_piece(std::string_view text) const {
    auto it = piece_to_id_.find(text);
    return it == piece_to_id_.end() ? -1 : it->second;
}

void SpmModel::emit_symbol(std::string_view text, std::vector<std::int32_t>& out) const {
    const std::int32_t id = find_piece(text);
    if (id >= 0) {
        out.push_back(id);
    } else if (has_byte_tokens_) {
        for (char c : text) out.push_back(byte_token_[static_cast<unsigned char>(c)]);
    } else {
        out.push_back(unknown_id_);
    }
}

void SpmModel::encode(std::string_view text, std::vector<std::int32_t>& out) const {
    struct Symbol {
        std::uint32_t offset, length;  // length 0: merged into its left neighbour
        std::int32_t prev, next;
    };
    struct Candidate {
        float score;
        std::int32_t left, right;
        std::uint32_t length;  // of the concatenation when pushed; a mismatch marks it stale
        std::int32_t id;
        bool operator<(const Candidate& o) const {  // max-heap on score, then leftmost
            return score != o.score ? score < o.score : left > o.left;
        }
    };
    std::vector<Symbol> symbols;
    for (std::size_t pos = 0; pos < text.size();) {
        const std::uint32_t length = decode_utf8(text, pos).length;
        const auto index = static_cast<std::int32_t>(symbols.size());
        symbols.push_back({static_cast<std::uint32_t>(pos), length, index - 1, index + 1});
        pos += length;
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    std::priority_queue<Candidate> heap;
    auto push = [&](std::int32_t left, std::int32_t right) {
        if (left < 0 || right < 0) return;
        const std::uint32_t length = symbols[left].length + symbols[right].length;
        const std::int32_t id = find_piece(text.substr(symbols[left].offset, length));
        if (id >= 0) heap.push({scores_[id], left, right, length, id});
    };
    for (std::size_t i = 1; i < symbols.size(); ++i)
        push(static_cast<std::int32_t>(i - 1), static_cast<std::int32_t>(i));

    while (!heap.empty()) {
        const Candidate c = heap.top();
        heap.pop();
        Symbol& left = symbols[c.left];
        Symbol& right = symbols[c.right];
        if (left.length == 0 || right.length == 0 || left.length + right.length != c.length ||
            left.next != c.right)
            continue;
        left.length += right.length;
        right.length = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = c.left;
        push(left.prev, c.left);
        push(c.left, left.next);
    }
    for (std::int32_t i = 0; i >= 0; i = symbols[i].next)
        emit_symbol(text.substr(symbols[i].offset, symbols[i].length), out);
}

}  // namespace braid::backends::local
