#include "backends/local/tokenizer/chat_template.hpp"

#include <array>

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {
namespace {

constexpr std::array<std::string_view, 3> chatml_markers = {"<|im_start|>", "<|im_end|>", "<|endoftext|>"};
constexpr std::array<std::string_view, 4> llama3_markers = {"<|begin_of_text|>", "<|start_header_id|>",
                                                            "<|end_header_id|>", "<|eot_id|>"};

// Python's str.isspace(), which Jinja's `trim` uses: White_Space plus the separators U+001C-1F.
bool is_python_space(char32_t cp) { return is_white_space(cp) || (cp >= 0x1C && cp <= 0x1F); }

std::string_view trim(std::string_view text) {
    std::size_t begin = 0;
    while (begin < text.size()) {
        const Utf8Char ch = decode_utf8(text, begin);
        if (ch.status != Utf8Status::ok || !is_python_space(ch.code_point)) break;
        begin += ch.length;
    }
    // Find the end of the last non-space character by scanning forward once.
    std::size_t end = begin;
    for (std::size_t pos = begin; pos < text.size();) {
        const Utf8Char ch = decode_utf8(text, pos);
        pos += ch.length;
        if (ch.status != Utf8Status::ok || !is_python_space(ch.code_point)) end = pos;
    }
    return text.substr(begin, end - begin);
}

// The default system prompt a ChatML template writes as a literal, e.g.
//   '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n'
// Literals built from expressions (`' + messages[0]['content'] + '`) are skipped.
std::string default_system_prompt(std::string_view jinja) {
    for (std::string_view opener : {std::string_view("<|im_start|>system\\n"), std::string_view("<|im_start|>system\n")}) {
        for (std::size_t pos = jinja.find(opener); pos != std::string_view::npos; pos = jinja.find(opener, pos + 1)) {
            const std::size_t begin = pos + opener.size();
            const std::size_t end = jinja.find("<|im_end|>", begin);
            if (end == std::string_view::npos) break;
            const std::string_view literal = jinja.substr(begin, end - begin);
            if (!literal.empty() && literal.find_first_of("'\"{}+\\\n") == std::string_view::npos)
                return std::string(literal);
        }
    }
    return {};
}

template <std::size_t N>
Result<void> check_markers(const std::vector<Message>& messages, const std::array<std::string_view, N>& markers) {
    for (std::size_t i = 0; i < messages.size(); ++i)
        for (std::string_view marker : markers)
            if (messages[i].content.find(marker) != std::string::npos)
                return make_error(ErrorCode::invalid_input, "chat message " + std::to_string(i) +
                                                                " contains the template marker " + std::string(marker));
    return {};
}

std::string render_chatml(const ChatTemplate& tmpl, const std::vector<Message>& messages, bool add_generation_prompt) {
    std::string out;
    if (!tmpl.default_system.empty() && (messages.empty() || messages.front().role != Role::system))
        out += "<|im_start|>system\n" + tmpl.default_system + "<|im_end|>\n";
    for (std::size_t i = 0; i < messages.size(); ++i) {
        const Message& m = messages[i];
        if (m.role == Role::tool) {
            if (i == 0 || messages[i - 1].role != Role::tool) out += "<|im_start|>user";
            out += "\n<tool_response>\n" + m.content + "\n</tool_response>";
            if (i + 1 == messages.size() || messages[i + 1].role != Role::tool) out += "<|im_end|>\n";
            continue;
        }
        out += "<|im_start|>";
        out += to_string(m.role);
        out += "\n" + m.content + "<|im_end|>\n";
    }
    if (add_generation_prompt) out += "<|im_start|>assistant\n";
    return out;
}

std::string render_llama3(const std::vector<Message>& messages, bool add_generation_prompt) {
    std::string out = "<|begin_of_text|>";
    for (const Message& m : messages) {
        out += "<|start_header_id|>";
        out += m.role == Role::tool ? std::string_view("ipython") : to_string(m.role);
        out += "<|end_header_id|>\n\n";
        out += trim(m.content);
        out += "<|eot_id|>";
    }
    if (add_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

}  // namespace

Result<ChatTemplate> detect_chat_template(std::string_view jinja) {
    if (jinja.find("<|im_start|>") != std::string_view::npos)
        return ChatTemplate{ChatFormat::chatml, default_system_prompt(jinja)};
    if (jinja.find("<|start_header_id|>") != std::string_view::npos) return ChatTemplate{ChatFormat::llama3, {}};
    return make_error(ErrorCode::invalid_input,
                      jinja.empty() ? "the model has no chat template"
                                    : "unrecognised chat template (neither ChatML nor Llama-3 headers)");
}

Result<std::string> apply_chat_template(const ChatTemplate& chat_template, const std::vector<Message>& messages,
                                        bool add_generation_prompt) {
    if (chat_template.format == ChatFormat::chatml) {
        if (auto ok = check_markers(messages, chatml_markers); !ok) return std::move(ok).error();
        return render_chatml(chat_template, messages, add_generation_prompt);
    }
    if (auto ok = check_markers(messages, llama3_markers); !ok) return std::move(ok).error();
    return render_llama3(messages, add_generation_prompt);
}

}  // namespace braid::backends::local
