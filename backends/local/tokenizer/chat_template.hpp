#pragma once
// Chat templates, hard-coded rather than interpreted from Jinja. The GGUF `tokenizer.chat_template`
// text is only used to recognise the format:
//
// ChatML (Qwen2/2.5), a turn per message; tool results as in Qwen2.5 (consecutive tool messages
// share one user turn):
//   <|im_start|>{role}\n{content}<|im_end|>\n ... [<|im_start|>assistant\n]
//   <|im_start|>user\n<tool_response>\n{content}\n</tool_response>[\n<tool_response>...]<|im_end|>\n
// When the first message is not a system message and the template names a default system prompt
// (Qwen's "You are a helpful assistant."), that prompt opens the conversation as a system turn.
//
// Llama-3 headers (Meta-Llama-3-*-Instruct); content is trimmed as the template's `| trim` does;
// role tool is written as "ipython" (Llama 3.1's name for tool output):
//   <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|> ...
//   [<|start_header_id|>assistant<|end_header_id|>\n\n]
// The result already holds BOS: encode it with add_special = false, parse_special = true.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/message.hpp"

namespace braid::backends::local {

enum class ChatFormat { chatml, llama3 };

struct ChatTemplate {
    ChatFormat format = ChatFormat::chatml;
    std::string default_system;  // ChatML only; empty = none
};

// Recognises the format of a Jinja chat template: "<|im_start|>" => ChatML, "<|start_header_id|>"
// => Llama-3. Error (invalid_input) for an empty or unrecognised template.
Result<ChatTemplate> detect_chat_template(std::string_view jinja);

// Renders the conversation; add_generation_prompt appends the header of an assistant turn.
// Error (invalid_input) when a message content holds one of the format's own markers
// (e.g. "<|im_end|>"), which would forge a turn boundary.
Result<std::string> apply_chat_template(const ChatTemplate& chat_template, const std::vector<Message>& messages,
                                        bool add_generation_prompt);

}  // namespace braid::backends::local
