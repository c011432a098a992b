#pragma once
// Test helpers for the tokenizer tests: the committed cl100k fixtures (tokenizer_data/README.md)
// turned into TokenizerSpecs, and a seeded random UTF-8 text generator.

#include <cstdint>
#include <fstream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/local/tokenizer/byte_unicode.hpp"
#include "backends/local/tokenizer/tokenizer_spec.hpp"
#include "backends/local/tokenizer/unicode.hpp"

namespace braid::test::tokenizer {

namespace local = braid::backends::local;

inline std::string data_path(const std::string& name) {
    return std::string(BRAID_SOURCE_DIR) + "/tests/backends_local/tokenizer_data/" + name;
}

inline std::string base64_decode(const std::string& in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        const auto value = alphabet.find(c);
        if (value == std::string::npos) throw std::runtime_error("bad base64: " + in);
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// rank -> raw bytes, from cl100k_subset.tiktoken.
inline std::map<int, std::string> load_cl100k_subset() {
    std::ifstream in(data_path("cl100k_subset.tiktoken"));
    if (!in) throw std::runtime_error("missing cl100k_subset.tiktoken");
    std::map<int, std::string> ranks;
    std::string b64;
    int rank = 0;
    while (in >> b64 >> rank) ranks[rank] = base64_decode(b64);
    return ranks;
}

inline constexpr int cl100k_endoftext = 100257;
inline constexpr int cl100k_endofprompt = 100276;

// Tiktoken's BPE restricted to ranks below `limit` (a plain O(n^2) scan, independent of the
// engine's heap): the parts a token's bytes fall into before its own merge.
inline std::vector<std::string> rank_bpe(const std::string& bytes, const std::map<std::string, int>& rank_of, int limit) {
    std::vector<std::string> parts;
    for (char c : bytes) parts.emplace_back(1, c);
    while (parts.size() > 1) {
        int best = -1;
        std::size_t at = 0;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            auto it = rank_of.find(parts[i] + parts[i + 1]);
            if (it != rank_of.end() && it->second < limit && (best < 0 || it->second < best)) best = it->second, at = i;
        }
        if (best < 0) break;
        parts[at] += parts[at + 1];
        parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(at) + 1);
    }
    return parts;
}

// A spec whose ids are cl100k ranks: the subset's tokens in byte-level form, unused fillers for
// the ranks not in the subset, and <|endoftext|>, <|endofprompt|> as control tokens.
// with_merges: derive merges from the ranks as the tiktoken -> HF conversion does (each token's
// bytes split by BPE over lower ranks must fall into exactly two parts); else rank mode.
inline local::TokenizerSpec cl100k_spec(local::PreTokenizer pre, bool with_merges) {
    const auto ranks = load_cl100k_subset();
    local::TokenizerSpec spec;
    spec.kind = local::TokenizerKind::byte_level_bpe;
    spec.pre = pre;
    const int vocab_size = cl100k_endofprompt + 1;
    spec.tokens.resize(vocab_size);
    spec.types.assign(vocab_size, local::TokenType::unused);
    for (int id = 0; id < vocab_size; ++id) spec.tokens[id] = "<unused_" + std::to_string(id) + ">";
    std::map<std::string, int> rank_of;
    for (const auto& [rank, bytes] : ranks) {
        spec.tokens[rank] = local::bytes_to_byte_level(bytes);
        spec.types[rank] = local::TokenType::normal;
        rank_of[bytes] = rank;
    }
    spec.tokens[cl100k_endoftext] = "<|endoftext|>";
    spec.types[cl100k_endoftext] = local::TokenType::control;
    spec.tokens[cl100k_endofprompt] = "<|endofprompt|>";
    spec.types[cl100k_endofprompt] = local::TokenType::control;
    spec.eos_id = cl100k_endoftext;
    if (with_merges) {
        for (const auto& [rank, bytes] : ranks) {
            if (bytes.size() < 2) continue;
            const auto parts = rank_bpe(bytes, rank_of, rank);
            if (parts.size() != 2) throw std::runtime_error("cl100k token " + std::to_string(rank) + " has no merge");
            spec.merges.push_back(local::bytes_to_byte_level(parts[0]) + " " + local::bytes_to_byte_level(parts[1]));
        }
    }
    return spec;
}

struct CorpusEntry {
    std::string text;
    std::vector<std::int32_t> llama3, qwen2;
    std::vector<std::string> pieces;  // the llama3 pattern's matches
};

inline std::vector<CorpusEntry> load_cl100k_corpus() {
    std::ifstream in(data_path("cl100k_corpus.jsonl"));
    if (!in) throw std::runtime_error("missing cl100k_corpus.jsonl");
    std::vector<CorpusEntry> corpus;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line);
        corpus.push_back({j.at("text").get<std::string>(), j.at("llama3").get<std::vector<std::int32_t>>(),
                          j.at("qwen2").get<std::vector<std::int32_t>>(), j.at("pieces").get<std::vector<std::string>>()});
    }
    return corpus;
}

// Seeded random well-formed UTF-8: words, contractions, digit runs, whitespace runs, punctuation,
// accented letters, combining marks, CJK, Hangul, emoji (with ZWJ and skin tones).
inline std::string random_text(std::mt19937& rng, int atoms) {
    static const std::vector<std::string> pool = {
        "the", "Hello", "WORLD", "x", "'s", "'T", "'re", "'LL", "'d", "'", "0", "7", "42", "123", "98765",
        " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00a0", "\u3000", ".", ",", "!?", "...",
        "(", ")", "{}", "—", "…", "café", "naïve", "e\u0301", "日本語", "中文", "한국어", "Привет",
        "λόγος", "नमस्ते", "👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "²", "½", "Ⅻ", "١٢٣", "▁", "Ġ"};
    static const std::vector<std::pair<char32_t, char32_t>> ranges = {
        {0x20, 0x7E}, {0xA0, 0x24F}, {0x370, 0x3FF}, {0x400, 0x4FF}, {0x900, 0x97F}, {0x3040, 0x30FF},
        {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1F6FF}, {0x2000, 0x206F}, {0x10000, 0x1007F}};
    std::string text;
    for (int i = 0; i < atoms; ++i) {
        if (rng() % 3 != 0) {
            text += pool[rng() % pool.size()];
        } else {
            const auto& [lo, hi] = ranges[rng() % ranges.size()];
            const char32_t cp = lo + static_cast<char32_t>(rng() % (hi - lo + 1));
            braid::append_utf8(text, cp);
        }
    }
    return text;
}

}  // namespace braid::test::tokenizer
