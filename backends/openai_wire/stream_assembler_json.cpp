// StreamAssembler: chunk JSON → per-choice deltas, tool-call fragments, usage, errors.
#include "backends/openai_wire/stream_assembler.hpp"

#include "backends/openai_wire/wire_json.hpp"
#include "core/utf8.hpp"

namespace braid::backends::openai_wire {

using nlohmann::json;
using namespace wire_json;

struct StreamAssemblerAccess {
    using Choice = StreamAssembler::Choice;

    // Finds (or opens) the slot one tool-call fragment belongs to; see the header for the rules.
    static std::size_t slot_for(Choice& c, const json& fragment) {
        std::vector<ToolCall>& calls = c.completion.tool_calls;
        auto index = fragment.find("index");
        std::string id = string_at(fragment, "id");
        if (index != fragment.end() && index->is_number_integer()) {
            long wire = index->get<long>();
            for (std::size_t i = 0; i < c.slots.size(); ++i)
                if (c.slots[i].index == wire) return i;
            calls.push_back({});
            c.slots.push_back({wire});
            return calls.size() - 1;
        }
        if (!id.empty()) {
            for (std::size_t i = 0; i < calls.size(); ++i)
                if (calls[i].id == id) return i;
        }
        if (id.empty() && !calls.empty()) return calls.size() - 1;
        calls.push_back({});
        c.slots.push_back({-1});
        return calls.size() - 1;
    }

    static void apply_tool_fragment(Choice& c, const json& fragment) {
        if (!fragment.is_object()) return;
        ToolCall& call = c.completion.tool_calls[slot_for(c, fragment)];
        std::string id = string_at(fragment, "id");
        if (!id.empty()) call.id = std::move(id);
        auto fn = fragment.find("function");
        if (fn == fragment.end() || !fn->is_object()) return;
        std::string name = string_at(*fn, "name");
        if (!name.empty()) call.name = std::move(name);
        auto args = fn->find("arguments");
        if (args != fn->end() && !args->is_null()) call.arguments += arguments_text(*args);
    }

    static Result<void> apply_choice(StreamAssembler& self, const json& jc,
                                     const StreamAssembler::TextSink& on_text) {
        if (!jc.is_object()) return {};
        std::size_t index = 0;
        auto it = jc.find("index");
        if (it != jc.end() && it->is_number_integer()) {
            auto wire = it->get<std::int64_t>();
            if (wire < 0 || static_cast<std::size_t>(wire) >= StreamAssembler::max_choices)
                return make_error(ErrorCode::parse,
                                  "stream chunk has choice index " + std::to_string(wire) +
                                      " (outside 0.." +
                                      std::to_string(StreamAssembler::max_choices - 1) + ")",
                                  true);
            index = static_cast<std::size_t>(wire);
        }
        Choice& c = self.choice_at(index);
        std::string piece;
        if (self.endpoint_ == Endpoint::chat_completions) {
            auto delta = jc.find("delta");
            if (delta != jc.end() && delta->is_object()) {
                piece = string_at(*delta, "content");
                auto tools = delta->find("tool_calls");
                if (tools != delta->end() && tools->is_array())
                    for (const json& fragment : *tools) apply_tool_fragment(c, fragment);
            }
        } else {
            piece = string_at(jc, "text");
        }
        self.append_piece(index, c, piece, on_text);
        auto lp = jc.find("logprobs");
        if (lp != jc.end() && lp->is_object()) {
            auto more = parse_logprobs(*lp, self.endpoint_);
            c.completion.logprobs.insert(c.completion.logprobs.end(),
                                         std::make_move_iterator(more.begin()),
                                         std::make_move_iterator(more.end()));
        }
        if (std::string stop = stop_sequence_at(jc); !stop.empty())
            c.completion.stop_sequence = std::move(stop);
        StreamAssembler::finish_choice(index, c, string_at(jc, "finish_reason"), on_text);
        return {};
    }
};

Result<void> StreamAssembler::feed_json(std::string_view data, const TextSink& on_text) {
    json j = parse_lenient(data);
    if (j.is_discarded() || !j.is_object()) {
        error_ = make_error(ErrorCode::parse, "stream chunk is not a JSON object: " + excerpt(data),
                            true);
        return *error_;
    }
    auto err = j.find("error");
    if (err != j.end() && !err->is_null()) {
        ApiError info = parse_error_value(*err);
        error_ = make_error(ErrorCode::backend, "server error inside the stream: " + describe(info),
                            stream_error_retryable(info));
        return *error_;
    }
    auto choices = j.find("choices");
    if (choices != j.end() && choices->is_array()) {
        for (const json& jc : *choices) {
            Result<void> applied = StreamAssemblerAccess::apply_choice(*this, jc, on_text);
            if (!applied) {
                error_ = applied.error();
                return *error_;
            }
        }
    }
    auto usage = j.find("usage");
    if (usage != j.end() && usage->is_object()) usage_ = parse_usage(*usage);
    return {};
}

}  // namespace braid::backends::openai_wire
