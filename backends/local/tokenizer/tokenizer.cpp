#include "backends/local/tokenizer/tokenizer.hpp"

#include <algorithm>
#include <array>

#include "backends/local/tokenizer/byte_unicode.hpp"
#include "backends/local/tokenizer/pre_tokenizer.hpp"

namespace braid::backends::local {
namespace {

constexpr std::string_view sentencepiece_space = "\xE2\x96\x81";  // U+2581 '▁'

// Control-token texts that end a turn in the model families we know (llama.cpp keeps a
// similar list).
constexpr std::array<std::string_view, 8> end_of_turn_texts = {
    "<|eot_id|>", "<|im_end|>", "<|eom_id|>", "<|end_of_text|>",
    "<|endoftext|>", "</s>", "<end_of_turn>", "<|end|>"};

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0;;) {
        const std::size_t hit = text.find(from, pos);
        if (hit == std::string_view::npos) {
            out.append(text.substr(pos));
            return out;
        }
        out.append(text.substr(pos, hit - pos)).append(to);
        pos = hit + from.size();
    }
}

bool is_special_type(TokenType type) {
    return type == TokenType::control || type == TokenType::user_defined;
}

Result<std::optional<std::int32_t>> checked_id(std::optional<int> id, std::size_t vocab_size,
                                               std::string_view what) {
    if (!id) return std::optional<std::int32_t>{};
    if (*id < 0 || static_cast<std::size_t>(*id) >= vocab_size)
        return make_error(ErrorCode::invalid_input, std::string(what) + " id " + std::to_string(*id) +
                                                        " is outside the vocabulary of " +
                                                        std::to_string(vocab_size) + " tokens");
    return std::optional<std::int32_t>{static_cast<std::int32_t>(*id)};
}

}  // namespace

Result<Tokenizer> Tokenizer::create(TokenizerSpec spec) {
    const std::size_t n = spec.tokens.size();
    if (n == 0) return make_error(ErrorCode::invalid_input, "tokenizer spec has no tokens");
    if (n > static_cast<std::size_t>(INT32_MAX))
        return make_error(ErrorCode::invalid_input, "tokenizer spec has too many tokens");
    if (spec.types.empty()) spec.types.assign(n, TokenType::normal);
    if (spec.types.size() != n)
        return make_error(ErrorCode::invalid_input, "tokenizer spec has " + std::to_string(spec.types.size()) +
                                                        " token types for " + std::to_string(n) + " tokens");
    if (!spec.scores.empty() && spec.scores.size() != n)
        return make_error(ErrorCode::invalid_input, "tokenizer spec has " + std::to_string(spec.scores.size()) +
                                                        " scores for " + std::to_string(n) + " tokens");

    Tokenizer t;
    t.kind_ = spec.kind;
    t.pre_ = spec.pre;
    t.add_bos_ = spec.add_bos;
    t.add_eos_ = spec.add_eos;
    t.add_space_prefix_ = spec.add_space_prefix;
    const std::pair<std::optional<int>, std::string_view> ids[] = {
        {spec.bos_id, "bos"}, {spec.eos_id, "eos"}, {spec.eot_id, "eot"},
        {spec.unknown_id, "unknown"}, {spec.padding_id, "padding"}};
    for (const auto& [id, what] : ids) {
        auto checked = checked_id(id, n, what);
        if (!checked) return std::move(checked).error();
    }
    t.bos_id_ = spec.bos_id;
    t.eos_id_ = spec.eos_id;
    t.eot_id_ = spec.eot_id;
    if (t.add_bos_ && !t.bos_id_)
        return make_error(ErrorCode::invalid_input, "tokenizer spec asks to add BOS but has no bos id");
    if (t.add_eos_ && !t.eos_id_)
        return make_error(ErrorCode::invalid_input, "tokenizer spec asks to add EOS but has no eos id");

    const bool bpe = spec.kind == TokenizerKind::byte_level_bpe;
    t.bytes_.resize(n);
    std::vector<bool> mergeable(n, false);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& text = spec.tokens[i];
        const TokenType type = spec.types[i];
        const bool normal = type == TokenType::normal;
        if (normal && text.empty())
            return make_error(ErrorCode::invalid_input, "token " + std::to_string(i) + " is empty");
        if (bpe && (normal || type == TokenType::byte)) {
            t.bytes_[i] = byte_level_to_bytes(text);
            mergeable[i] = true;
        } else if (!bpe && normal) {
            t.bytes_[i] = replace_all(text, sentencepiece_space, " ");
        } else if (!bpe && type == TokenType::byte) {
            const auto byte = parse_byte_token(text);
            t.bytes_[i] = byte ? std::string(1, static_cast<char>(*byte)) : text;
        } else {
            t.bytes_[i] = text;  // control, user-defined, unknown, unused: the text itself
        }
        if (is_special_type(type)) t.special_.add(text, static_cast<std::int32_t>(i), type == TokenType::user_defined);
    }

    if (bpe) {
        auto model = BpeModel::create(t.bytes_, mergeable, spec.merges, spec.pre == PreTokenizer::llama3);
        if (!model) return std::move(model).error().with_context("byte-level BPE tokenizer");
        t.bpe_ = std::move(model).value();
    } else {
        auto model = SpmModel::create(spec.tokens, spec.scores, spec.types, spec.unknown_id);
        if (!model) return std::move(model).error().with_context("sentencepiece tokenizer");
        t.spm_ = std::move(model).value();
    }

    for (std::size_t i = 0; i < n && !t.eot_id_; ++i)
        if (is_special_type(spec.types[i]) && (spec.tokens[i] == "<|eot_id|>" || spec.tokens[i] == "<|im_end|>"))
            t.eot_id_ = static_cast<std::int32_t>(i);
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = static_cast<std::int32_t>(i);
        const bool listed = is_special_type(spec.types[i]) &&
                            std::find(end_of_turn_texts.begin(), end_of_turn_texts.end(), spec.tokens[i]) !=
                                end_of_turn_texts.end();
        if (listed || id == t.eos_id_ || id == t.eot_id_) t.end_of_generation_.push_back(id);
    }
    t.text_ = std::move(spec.tokens);
    t.types_ = std::move(spec.types);
    return t;
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
    std::vector<std::int32_t> out;
    out.reserve(text.size() / 3 + 2);
    if (options.add_special && add_bos_) out.push_back(*bos_id_);
    std::vector<SpecialTokens::Fragment> fragments;
    special_.partition(text, options.parse_special, fragments);
    BpeModel::Workspace workspace;
    std::string scratch;
    bool after_special = true;
    for (const auto& fragment : fragments) {
        if (fragment.id >= 0) {
            out.push_back(fragment.id);
            after_special = true;
        } else {
            encode_text(fragment.text, after_special, out, workspace, scratch);
            after_special = false;
        }
    }
    if (options.add_special && add_eos_) out.push_back(*eos_id_);
    return out;
}

void Tokenizer::encode_text(std::string_view text, bool after_special, std::vector<std::int32_t>& out,
                            BpeModel::Workspace& workspace, std::string& scratch) const {
    if (bpe_) {
        for (std::size_t pos = 0; pos < text.size();) {
            const std::size_t end = pre_token_end(text, pos, pre_);
            bpe_->encode_piece(text.substr(pos, end - pos), out, workspace);
            pos = end;
        }
        return;
    }
    // llama.cpp's rule: the space prefix goes before the text at the start and after every
    // special token.
    scratch.clear();
    if (add_space_prefix_ && after_special) scratch.append(sentencepiece_space);
    scratch.append(replace_all(text, " ", sentencepiece_space));
    spm_->encode(scratch, out);
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, DecodeOptions options) const {
    std::string out;
    bool at_text_start = true;
    for (std::int32_t id : ids) append_token_bytes(id, options, at_text_start, out);
    return out;
}

void Tokenizer::append_token_bytes(std::int32_t id, const DecodeOptions& options, bool& at_text_start,
                                   std::string& out) const {
    if (id < 0 || id >= vocab_size()) return;
    const TokenType type = types_[id];
    const bool special = is_special_type(type);
    if (type == TokenType::normal || type == TokenType::byte || type == TokenType::user_defined ||
        options.render_special) {
        std::string_view bytes = bytes_[id];
        const bool strip = kind_ == TokenizerKind::sentencepiece && add_space_prefix_ &&
                           options.remove_space_prefix && at_text_start && !special;
        if (strip && !bytes.empty() && bytes[0] == ' ') bytes.remove_prefix(1);
        out.append(bytes);
    }
    // Encode prefixed a space after every special token, so the next text starts afresh.
    at_text_start = special || (at_text_start && type != TokenType::normal && type != TokenType::byte);
}

std::string_view Tokenizer::token_text(std::int32_t id) const {
    BRAID_ASSERT(id >= 0 && id < vocab_size(), "token id out of range");
    return text_[id];
}

TokenType Tokenizer::token_type(std::int32_t id) const {
    BRAID_ASSERT(id >= 0 && id < vocab_size(), "token id out of range");
    return types_[id];
}

bool Tokenizer::is_end_of_generation(std::int32_t id) const {
    return std::binary_search(end_of_generation_.begin(), end_of_generation_.end(), id);
}

}  // namespace braid::backends::local
