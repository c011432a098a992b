#include "backends/local/tokenizer/bpe_model.hpp"

#include <algorithm>

#include "backends/local/tokenizer/byte_unicode.hpp"

namespace braid::backends::local {

Result<BpeModel> BpeModel::create(const std::vector<std::string>& token_bytes,
                                  const std::vector<bool>& mergeable,
                                  const std::vector<std::string>& merges, bool ignore_merges) {
    BpeModel model;
    model.ignore_merges_ = ignore_merges || merges.empty();
    model.piece_to_id_.reserve(token_bytes.size());
    for (std::size_t id = 0; id < token_bytes.size(); ++id)
        if (mergeable[id]) model.piece_to_id_.emplace(token_bytes[id], static_cast<std::int32_t>(id));

    for (int b = 0; b < 256; ++b) {
        auto it = model.piece_to_id_.find(std::string(1, static_cast<char>(b)));
        if (it == model.piece_to_id_.end())
            return make_error(ErrorCode::invalid_input,
                              "byte-level BPE vocabulary has no token for byte " + std::to_string(b));
        model.byte_token_[b] = it->second;
    }

    auto lookup = [&](std::string_view bytes) { return model.find_piece(bytes); };
    if (!merges.empty()) {
        model.merges_.reserve(merges.size());
        for (std::size_t rank = 0; rank < merges.size(); ++rank) {
            const std::string& line = merges[rank];
            const std::size_t space = line.find(' ', 1);
            if (space == std::string::npos || space + 1 >= line.size())
                return make_error(ErrorCode::invalid_input,
                                  "BPE merge " + std::to_string(rank) + " is not \"left right\": " + line);
            const std::string left = byte_level_to_bytes(std::string_view(line).substr(0, space));
            const std::string right = byte_level_to_bytes(std::string_view(line).substr(space + 1));
            const std::int32_t left_id = lookup(left), right_id = lookup(right),
                               result_id = lookup(left + right);
            if (left_id < 0 || right_id < 0 || result_id < 0)
                return make_error(ErrorCode::invalid_input, "BPE merge " + std::to_string(rank) +
                                                                " names a token not in the vocabulary: " + line);
            // A repeated pair keeps its first (lowest) rank.
            model.merges_.insert(left_id, right_id, Merge{static_cast<std::uint32_t>(rank), result_id});
        }
    } else {
        // Rank mode: every split of a mergeable token into two mergeable tokens is a pair.
        for (std::size_t id = 0; id < token_bytes.size(); ++id) {
            if (!mergeable[id]) continue;
            const std::string_view bytes = token_bytes[id];
            for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
                const std::int32_t left_id = lookup(bytes.substr(0, cut));
                if (left_id < 0) continue;
                const std::int32_t right_id = lookup(bytes.substr(cut));
                if (right_id < 0) continue;
                model.merges_.insert(left_id, right_id,
                                     Merge{static_cast<std::uint32_t>(id), static_cast<std::int32_t>(id)});
            }
        }
    }
    return model;
}

std::int32_t BpeModel::find_piece(std::string_view bytes) const {
    auto it = piece_to_id_.find(bytes);
    return it == piece_to_id_.end() ? -1 : it->second;
}

void BpeModel::encode_piece(std::string_view piece, std::vector<std::int32_t>& out, Workspace& workspace) const {
    if (piece.size() == 1) {
        out.push_back(byte_token_[static_cast<unsigned char>(piece[0])]);
        return;
    }
    if (ignore_merges_) {
        if (const std::int32_t id = find_piece(piece); id >= 0) {
            out.push_back(id);
            return;
        }
    }

    // Symbols form a doubly linked list over the piece's bytes; a min-heap holds candidate
    // pairs keyed by (rank, position of the left symbol). A popped candidate is stale when
    // either symbol has merged since it was pushed: a merged symbol's id names a longer token,
    // so it can never equal the id recorded in the candidate again.
    const auto n = static_cast<std::int32_t>(piece.size());
    std::vector<Symbol>& symbols = workspace.symbols_;
    std::vector<Candidate>& heap = workspace.heap_;
    symbols.resize(piece.size());
    heap.clear();
    for (std::int32_t i = 0; i < n; ++i)
        symbols[i] = {byte_token_[static_cast<unsigned char>(piece[i])], i - 1, i + 1 < n ? i + 1 : -1};

    auto later = [](const Candidate& a, const Candidate& b) {  // heap order: lowest rank, then leftmost
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    };
    auto push = [&](std::int32_t left) {
        if (left < 0) return;
        const std::int32_t right = symbols[left].next;
        if (right < 0) return;
        if (const Merge* m = find_merge(symbols[left].id, symbols[right].id)) {
            heap.push_back({m->rank, left, symbols[left].id, symbols[right].id, m->result});
            std::push_heap(heap.begin(), heap.end(), later);
        }
    };
    for (std::int32_t i = 0; i + 1 < n; ++i) push(i);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), later);
        const Candidate c = heap.back();
        heap.pop_back();
        Symbol& left = symbols[c.left];
        if (left.id != c.left_id || left.next < 0) continue;
        Symbol& right = symbols[left.next];
        if (right.id != c.right_id) continue;
        left.id = c.result;
        right.id = -1;  // dead: no candidate can match it again
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = c.left;
        push(left.prev);
        push(c.left);
    }
    for (std::int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace braid::backends::local
