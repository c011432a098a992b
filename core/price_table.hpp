#pragma once
// PriceTable: USD per million tokens per model, so the caller can charge a completion's cost to
// the budget ledger. Uncached prompt tokens are charged at the input price, cached prompt tokens
// (Usage::cached_prompt_tokens, a subset of prompt_tokens) at the cached-input price, completion
// tokens at the output price. A model without an entry falls back to the "*" entry, else costs 0.

#include <map>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/message.hpp"

namespace braid {

struct ModelPrice {
    double input_usd_per_mtok = 0;
    double output_usd_per_mtok = 0;
    double cached_input_usd_per_mtok = 0;
};

class PriceTable {
public:
    void set(std::string model, ModelPrice price) { prices_[std::move(model)] = price; }
    const ModelPrice* find(std::string_view model) const;
    double cost_usd(std::string_view model, const Usage& usage) const;
    bool empty() const { return prices_.empty(); }

    // {"gpt-4o-mini": {"input": 0.15, "output": 0.6, "cached_input": 0.075}, "*": {...}}.
    // Errors (invalid_input) name the model and field that is missing, negative or not a number.
    static Result<PriceTable> from_json(std::string_view text);

private:
    std::map<std::string, ModelPrice, std::less<>> prices_;
};

}  // namespace braid
