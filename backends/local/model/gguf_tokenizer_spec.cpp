#include "backends/local/model/gguf_tokenizer_spec.hpp"

#include <string>
#include <vector>

namespace braid::backends::local {

namespace {

Error key_error(const std::string& key, const std::string& why) {
    return make_error(ErrorCode::invalid_input, "gguf: " + key + " " + why);
}

// The array under `key` with items of `type`; nullptr when absent.
Result<const GgufArray*> array_key(const GgufFile& file, const std::string& key,
                                   GgufValueType type) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) return static_cast<const GgufArray*>(nullptr);
    const GgufArray* array = v->as_array();
    if (array == nullptr || array->elem_type != type)
        return key_error(key, std::string("must be an array of ") + gguf_value_type_name(type));
    return array;
}

Result<std::vector<std::string>> string_array(const GgufFile& file, const std::string& key) {
    auto array = array_key(file, key, GgufValueType::string);
    if (!array) return std::move(array).error();
    std::vector<std::string> out;
    if (*array == nullptr) return out;
    out.reserve((*array)->items.size());
    for (const auto& item : (*array)->items) out.push_back(*item.as_string());
    return out;
}

Result<std::optional<bool>> bool_key(const GgufFile& file, const std::string& key) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) return std::optional<bool>{};
    auto b = v->as_bool();
    if (!b) return key_error(key, "must be a bool");
    return std::optional<bool>{*b};
}

Result<std::optional<int>> id_key(const GgufFile& file, const std::string& key,
                                  std::size_t n_tokens) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) return std::optional<int>{};
    auto id = v->as_int();
    if (!id) return key_error(key, "must be an integer");
    if (*id < 0 || static_cast<std::uint64_t>(*id) >= n_tokens)
        return key_error(key, std::to_string(*id) + " is outside the vocabulary of " +
                                  std::to_string(n_tokens) + " tokens");
    return std::optional<int>{static_cast<int>(*id)};
}

}  // namespace

Result<std::optional<TokenizerSpec>> tokenizer_from_gguf(const GgufFile& file) {
    const GgufValue* model = file.find("tokenizer.ggml.model");
    if (model == nullptr) return std::optional<TokenizerSpec>{};
    const std::string* model_name = model->as_string();
    if (model_name == nullptr) return key_error("tokenizer.ggml.model", "must be a string");
    if (*model_name == "none") return std::optional<TokenizerSpec>{};

    TokenizerSpec spec;
    if (*model_name == "gpt2")
        spec.kind = TokenizerKind::byte_level_bpe;
    else if (*model_name == "llama")
        spec.kind = TokenizerKind::sentencepiece;
    else
        return key_error("tokenizer.ggml.model",
                         "'" + *model_name + "' is not supported (gpt2 or llama)");

    if (const GgufValue* pre = file.find("tokenizer.ggml.pre")) {
        if (pre->as_string() == nullptr) return key_error("tokenizer.ggml.pre", "must be a string");
        spec.pre = *pre->as_string() == "qwen2" ? PreTokenizer::qwen2 : PreTokenizer::llama3;
    }

    auto tokens = string_array(file, "tokenizer.ggml.tokens");
    if (!tokens) return std::move(tokens).error();
    if (tokens->empty()) return key_error("tokenizer.ggml.tokens", "is missing or empty");
    spec.tokens = std::move(*tokens);
    const std::size_t n = spec.tokens.size();

    auto scores = array_key(file, "tokenizer.ggml.scores", GgufValueType::float32);
    if (!scores) return std::move(scores).error();
    if (*scores != nullptr) {
        if ((*scores)->items.size() != n)
            return key_error("tokenizer.ggml.scores", "length differs from tokens");
        for (const auto& item : (*scores)->items)
            spec.scores.push_back(std::get<float>(item.storage));
    }

    auto types = array_key(file, "tokenizer.ggml.token_type", GgufValueType::int32);
    if (!types) return std::move(types).error();
    if (*types != nullptr) {
        if ((*types)->items.size() != n)
            return key_error("tokenizer.ggml.token_type", "length differs from tokens");
        for (const auto& item : (*types)->items) {
            std::int32_t t = std::get<std::int32_t>(item.storage);
            if (t < static_cast<int>(TokenType::normal) || t > static_cast<int>(TokenType::byte))
                return key_error("tokenizer.ggml.token_type",
                                 "value " + std::to_string(t) + " is not in 1..6");
            spec.types.push_back(static_cast<TokenType>(t));
        }
    } else {
        spec.types.assign(n, TokenType::normal);
    }

    auto merges = string_array(file, "tokenizer.ggml.merges");
    if (!merges) return std::move(merges).error();
    spec.merges = std::move(*merges);

    struct IdKey {
        const char* key;
        std::optional<int>* dst;
    };
    for (IdKey k : {IdKey{"tokenizer.ggml.bos_token_id", &spec.bos_id},
                    IdKey{"tokenizer.ggml.eos_token_id", &spec.eos_id},
                    IdKey{"tokenizer.ggml.eot_token_id", &spec.eot_id},
                    IdKey{"tokenizer.ggml.unknown_token_id", &spec.unknown_id},
                    IdKey{"tokenizer.ggml.padding_token_id", &spec.padding_id}}) {
        auto id = id_key(file, k.key, n);
        if (!id) return std::move(id).error();
        *k.dst = *id;
    }

    const bool bpe = spec.kind == TokenizerKind::byte_level_bpe;
    spec.add_bos = bpe ? spec.pre == PreTokenizer::llama3 : true;
    spec.add_eos = false;
    spec.add_space_prefix = !bpe;
    struct BoolKey {
        const char* key;
        bool* dst;
    };
    for (BoolKey k : {BoolKey{"tokenizer.ggml.add_bos_token", &spec.add_bos},
                      BoolKey{"tokenizer.ggml.add_eos_token", &spec.add_eos},
                      BoolKey{"tokenizer.ggml.add_space_prefix", &spec.add_space_prefix}}) {
        auto b = bool_key(file, k.key);
        if (!b) return std::move(b).error();
        if (*b) *k.dst = **b;
    }

    if (const GgufValue* tmpl = file.find("tokenizer.chat_template")) {
        if (tmpl->as_string() == nullptr)
            return key_error("tokenizer.chat_template", "must be a string");
        spec.chat_template = *tmpl->as_string();
    }
    return std::optional<TokenizerSpec>{std::move(spec)};
}

}  // namespace braid::backends::local
