// The non-JSON half of api_request.hpp: endpoints and the choices of a decoded request.
#include "backends/openai_wire/api_request.hpp"

namespace braid::backends::openai_wire {

Endpoint endpoint_for(const CompletionRequest& request) {
    return request.messages.empty() ? Endpoint::completions : Endpoint::chat_completions;
}

std::string_view endpoint_path(Endpoint endpoint) {
    return endpoint == Endpoint::chat_completions ? "/chat/completions" : "/completions";
}

std::size_t ApiRequest::num_choices() const {
    std::size_t prompts_count = endpoint == Endpoint::completions ? prompts.size() : 1;
    return prompts_count * static_cast<std::size_t>(n);
}

CompletionRequest ApiRequest::choice_request(std::size_t index) const {
    BRAID_ASSERT(index < num_choices(), "choice index out of range");
    auto per_prompt = static_cast<std::size_t>(n);
    CompletionRequest r = request;
    if (endpoint == Endpoint::completions) r.prompt = prompts[index / per_prompt];
    r.sampling.seed += index % per_prompt;
    return r;
}

}  // namespace braid::backends::openai_wire
