#include "search/agent_proposer.hpp"

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/hash.hpp"
#include "core/json_text.hpp"

namespace braid::search {

namespace {

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items) out += (out.empty() ? "" : ", ") + (s.empty() ? std::string("-") : s);
    return out;
}

std::string join(const std::vector<int>& items) {
    std::string out;
    for (int v : items) out += (out.empty() ? "" : ", ") + std::to_string(v);
    return out;
}

}  // namespace

Result<Config> parse_proposal(const SearchSpace& space, std::string_view reply, std::string* rationale) {
    std::string last_error = "the reply holds no JSON object";
    // Try the objects from the last '{' backwards; an object must end at or before the last '}'.
    const std::size_t end = reply.rfind('}');
    if (end == std::string_view::npos) return make_error(ErrorCode::invalid_input, last_error);
    std::size_t start = reply.rfind('{', end);
    while (start != std::string_view::npos) {
        nlohmann::json j = nlohmann::json::parse(reply.substr(start, end + 1 - start), nullptr, false);
        if (!j.is_discarded() && j.is_object()) {
            auto config = space.from_json(j);
            if (config) {
                if (rationale) *rationale = std::string(reply.substr(0, start));
                return config;
            }
            last_error = config.error().message;
        }
        if (start == 0) break;
        start = reply.rfind('{', start - 1);
    }
    return make_error(ErrorCode::invalid_input, last_error);
}

AgentProposer::AgentProposer(backends::Backend& backend, asio::io_context& io, AgentProposerOptions options)
    : backend_(backend), io_(io), options_(std::move(options)) {}

std::string AgentProposer::prompt(const SearchContext& context) const {
    const SearchSpace& space = context.space();
    std::string p =
        "You are choosing, for each stage of a multi-stage reasoning pipeline, which model to use and how many "
        "samples and iterations to give it, to maximise accuracy on " +
        std::to_string(options_.dev_tasks) + " dev tasks within a total budget of " + options_.budget +
        ". Stages with diminishing returns should stop growing; an earlier stage's choice changes what the "
        "later stages need.\n\nStages and their choices:\n";
    for (const StageAxes& s : space.stages()) {
        p += "- " + s.name + ": models [" + join(s.models) + "], samples [" + join(s.samples) + "], iterations [" +
             join(s.iterations) + "], rules [" + join(s.rules) + "]\n";
    }
    p += "\nTrials so far (configuration -> accuracy, cost):\n";
    if (context.archive().empty()) p += "none\n";
    for (const Trial& t : context.archive())
        p += std::to_string(t.number) + ". " + json_text(space.to_json(t.config)) +
             " -> accuracy " + short_number(t.result.accuracy) + ", cost " +
             short_number(t.result.cost) + (t.feasible ? "" : " (over budget)") +
             (t.fidelity < 1 ? " at fidelity " + short_number(t.fidelity) : "") + "\n";
    p += "\nPropose the next configuration to try: one sentence of rationale, then on the last line one JSON "
         "object mapping each stage name to {\"model\": ..., \"samples\": ..., \"iterations\": ..., \"rule\": ...} "
         "(omit fields a stage has no choice for).\n";
    return p;
}

std::optional<Config> AgentProposer::propose(const SearchContext& context) {
    const SearchSpace& space = context.space();
    std::string text = prompt(context);
    for (int attempt = 0; attempt < options_.attempts; ++attempt) {
        backends::CompletionRequest request;
        request.model = options_.model;
        request.prompt = text;
        request.sampling.max_tokens = options_.max_tokens;
        request.sampling.temperature = options_.temperature;
        request.sampling.seed = derive_seed(options_.seed, "agent/" + std::to_string(calls_));
        request.origin = "search/agent/" + std::to_string(calls_);
        ++calls_;
        Result<backends::Completion> reply = async::run_sync(io_, backend_.complete(std::move(request), {}));
        if (!reply) throw FatalError(reply.error());
        usage_ += reply->usage;
        std::string rationale;
        auto config = parse_proposal(space, reply->text, &rationale);
        std::string problem;
        if (!config)
            problem = config.error().message;
        else if (!context.affordable(*config))
            problem = "its planned cost " + short_number(context.predicted_cost(*config)) + " is over the budget " +
                      options_.budget;
        else if (context.known(*config))
            problem = "it was already tried";
        if (problem.empty()) {
            rationales_.push_back(rationale);
            return std::move(*config);
        }
        text += "\n" + reply->text + "\n\nThat proposal cannot be used: " + problem + ". Propose another.\n";
    }
    return std::nullopt;
}

}  // namespace braid::search
