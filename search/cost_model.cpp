#include "search/cost_model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace braid::search {

namespace {

constexpr double tokens_per_million = 1e6;
constexpr std::string_view units_list = "usd, flops, bytes, wall_s, tokens, samples";
constexpr BudgetUnit search_units[] = {BudgetUnit::usd,    BudgetUnit::flops,  BudgetUnit::bytes,
                                       BudgetUnit::wall_s, BudgetUnit::tokens, BudgetUnit::samples};

// strtod over the whole text; NaN when any of it is not a finite number.
double parse_number(const std::string& text) {
    if (text.empty()) return std::nan("");
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nan("");
    return value;
}

}  // namespace

std::string SearchBudget::describe() const {
    // The shortest text that reads back as the same double: a run stores its budget as this text.
    char amount_text[64];
    const auto written = std::to_chars(amount_text, amount_text + sizeof amount_text, amount);
    return std::string(to_string(unit)) + "=" + std::string(amount_text, written.ptr);
}

Result<SearchBudget> parse_search_budget(std::string_view text, std::string_view flag) {
    const std::string prefix = std::string(flag) + ": '" + std::string(text) + "' ";
    if (text.find(',') != std::string_view::npos || std::count(text.begin(), text.end(), '=') > 1)
        return make_error(ErrorCode::invalid_input,
                          prefix + "names more than one unit; a search budget is one UNIT=VALUE");
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) {
        if (!std::isnan(parse_number(std::string(text))))
            return make_error(ErrorCode::invalid_input, prefix + "has no unit; write UNIT=VALUE, e.g. usd=50");
        return make_error(ErrorCode::invalid_input,
                          prefix + "is not UNIT=VALUE (units: " + std::string(units_list) + "), e.g. usd=50");
    }
    std::string_view name = text.substr(0, eq);
    SearchBudget budget;
    bool known = false;
    for (BudgetUnit unit : search_units) {
        if (to_string(unit) == name) {
            budget.unit = unit;
            known = true;
        }
    }
    if (!known)
        return make_error(ErrorCode::invalid_input, prefix + "has unknown unit '" + std::string(name) +
                                                        "' (units: " + std::string(units_list) + ")");
    budget.amount = parse_number(std::string(text.substr(eq + 1)));
    if (std::isnan(budget.amount))
        return make_error(ErrorCode::invalid_input, prefix + "has an amount that is not a number");
    if (budget.amount <= 0)
        return make_error(ErrorCode::invalid_input, prefix + "must be a positive amount");
    return budget;
}

Amount group_cost(const search::ModelSpec& model, double intensity, const CallGroup& group) {
    Amount cost;
    const double cached = std::clamp(group.cached_prompt_tokens, 0.0, group.prompt_tokens);
    const double usd_per_call = ((group.prompt_tokens - cached) * model.price.input_usd_per_mtok +
                                 cached * model.price.cached_input_usd_per_mtok +
                                 group.completion_tokens * model.price.output_usd_per_mtok) /
                                tokens_per_million;
    cost[BudgetUnit::usd] = group.samples * usd_per_call;
    if (model.architecture.complete()) {
        KineticsCost k = kinetics_cost(model.architecture, group.prompt_tokens, group.completion_tokens, group.samples);
        cost[BudgetUnit::flops] = k.total(intensity);
        cost[BudgetUnit::bytes] = k.memory;
    }
    cost[BudgetUnit::tokens] = group.samples * (group.prompt_tokens + group.completion_tokens);
    cost[BudgetUnit::samples] = group.samples;
    cost[BudgetUnit::wall_s] = group.latency_s;
    return cost;
}

}  // namespace braid::search
