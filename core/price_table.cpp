#include "core/price_table.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace braid {

namespace {
constexpr double tokens_per_million = 1e6;
}

const ModelPrice* PriceTable::find(std::string_view model) const {
    auto it = prices_.find(model);
    if (it == prices_.end()) it = prices_.find(std::string_view("*"));
    return it == prices_.end() ? nullptr : &it->second;
}

double PriceTable::cost_usd(std::string_view model, const Usage& usage) const {
    const ModelPrice* p = find(model);
    if (p == nullptr) return 0;
    auto cached = std::clamp<std::int64_t>(usage.cached_prompt_tokens, 0, usage.prompt_tokens);
    double cost = static_cast<double>(usage.prompt_tokens - cached) * p->input_usd_per_mtok +
                  static_cast<double>(cached) * p->cached_input_usd_per_mtok +
                  static_cast<double>(usage.completion_tokens) * p->output_usd_per_mtok;
    return cost / tokens_per_million;
}

Result<PriceTable> PriceTable::from_json(std::string_view text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object())
        return make_error(ErrorCode::invalid_input, "price table is not a JSON object");
    PriceTable table;
    for (auto& [model, entry] : j.items()) {
        if (!entry.is_object())
            return make_error(ErrorCode::invalid_input,
                              "price table: entry for '" + model + "' is not an object");
        ModelPrice price;
        for (auto [field, out] :
             {std::pair<const char*, double*>{"input", &price.input_usd_per_mtok},
              {"output", &price.output_usd_per_mtok},
              {"cached_input", &price.cached_input_usd_per_mtok}}) {
            auto it = entry.find(field);
            if (it == entry.end()) {
                if (std::string_view(field) == "cached_input") {
                    price.cached_input_usd_per_mtok = price.input_usd_per_mtok;
                    continue;
                }
                return make_error(ErrorCode::invalid_input,
                                  "price table: '" + model + "' has no " + field);
            }
            if (!it->is_number() || it->get<double>() < 0)
                return make_error(
                    ErrorCode::invalid_input,
                    "price table: '" + model + "'." + field + " must be a non-negative number");
            *out = it->get<double>();
        }
        table.set(model, price);
    }
    return table;
}

}  // namespace braid
