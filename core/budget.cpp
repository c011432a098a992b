#include "core/budget.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace braid {

namespace {
constexpr std::array<std::string_view, num_budget_units> unit_names = {"tokens", "usd",   "samples",
                                                                       "flops",  "bytes", "wall_s"};
// Tolerance for float comparisons on USD amounts.
constexpr double epsilon = 1e-9;

BudgetUnit unit_at(std::size_t i) { return static_cast<BudgetUnit>(i); }
}  // namespace

std::string_view to_string(BudgetUnit unit) { return unit_names[static_cast<std::size_t>(unit)]; }

Amount Amount::unlimited() {
    Amount a;
    a.values_.fill(std::numeric_limits<double>::infinity());
    return a;
}

Amount& Amount::operator+=(const Amount& other) {
    for (std::size_t i = 0; i < num_budget_units; ++i) values_[i] += other.values_[i];
    return *this;
}

Amount& Amount::operator-=(const Amount& other) {
    for (std::size_t i = 0; i < num_budget_units; ++i) values_[i] -= other.values_[i];
    return *this;
}

std::string Amount::describe() const {
    std::string out;
    for (std::size_t i = 0; i < num_budget_units; ++i) {
        double v = values_[i];
        if (v == 0.0 || std::isinf(v)) continue;
        char buf[64];
        if (unit_at(i) == BudgetUnit::usd || unit_at(i) == BudgetUnit::wall_s)
            std::snprintf(buf, sizeof buf, "%s=%.4f", unit_names[i].data(), v);
        else
            std::snprintf(buf, sizeof buf, "%s=%.0f", unit_names[i].data(), v);
        if (!out.empty()) out += ' ';
        out += buf;
    }
    return out.empty() ? "none" : out;
}

Result<Amount> parse_budget(std::string_view text) {
    Amount limit = Amount::unlimited();
    if (text.empty()) return make_error(ErrorCode::invalid_input, "budget: empty value");
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        std::string_view item =
            text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        std::size_t eq = item.find('=');
        if (eq == std::string_view::npos)
            return make_error(ErrorCode::invalid_input,
                              "budget: '" + std::string(item) + "' is not UNIT=VALUE (units: tokens, usd, "
                              "samples, flops, bytes, wall_s)");
        std::string_view name = item.substr(0, eq);
        std::string value_text(item.substr(eq + 1));
        std::size_t unit = 0;
        while (unit < num_budget_units && unit_names[unit] != name) ++unit;
        if (unit == num_budget_units)
            return make_error(ErrorCode::invalid_input,
                              "budget: unknown unit '" + std::string(name) +
                                  "' (units: tokens, usd, samples, flops, bytes, wall_s)");
        char* end = nullptr;
        double value = std::strtod(value_text.c_str(), &end);
        if (value_text.empty() || end != value_text.c_str() + value_text.size() || !std::isfinite(value))
            return make_error(ErrorCode::invalid_input,
                              "budget: " + std::string(name) + " value '" + value_text + "' is not a number");
        if (value < 0)
            return make_error(ErrorCode::invalid_input,
                              "budget: " + std::string(name) + " must not be negative");
        limit[unit_at(unit)] = value;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return limit;
}

Reservation::Reservation(Reservation&& other) noexcept
    : ledger_(std::exchange(other.ledger_, nullptr)), account_(other.account_), amount_(other.amount_) {}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
    if (this != &other) {
        release();
        ledger_ = std::exchange(other.ledger_, nullptr);
        account_ = other.account_;
        amount_ = other.amount_;
    }
    return *this;
}

Reservation::~Reservation() { release(); }

void Reservation::settle(const Amount& actual) {
    BRAID_ASSERT(ledger_ != nullptr, "settle on an inactive reservation");
    Ledger* ledger = std::exchange(ledger_, nullptr);
    ledger->unhold(account_, amount_);
    ledger->charge(account_, actual);
}

void Reservation::release() {
    if (ledger_ == nullptr) return;
    std::exchange(ledger_, nullptr)->unhold(account_, amount_);
}

Ledger::Ledger(Amount root_limit) { accounts_.push_back(Account{"run", 0, root_limit, {}, {}}); }

Ledger::AccountId Ledger::open(AccountId parent, std::string label, Amount limit) {
    BRAID_ASSERT(parent < accounts_.size(), "open: unknown parent account");
    accounts_.push_back(Account{std::move(label), parent, limit, {}, {}});
    return accounts_.size() - 1;
}

void Ledger::set_limit(AccountId account, const Amount& limit) {
    BRAID_ASSERT(account < accounts_.size(), "set_limit: unknown account");
    accounts_[account].limit = limit;
}

Result<Reservation> Ledger::reserve(AccountId account, const Amount& worst_case) {
    BRAID_ASSERT(account < accounts_.size(), "reserve: unknown account");
    for (AccountId a = account;; a = accounts_[a].parent) {
        const Account& acc = accounts_[a];
        for (std::size_t i = 0; i < num_budget_units; ++i) {
            BudgetUnit u = unit_at(i);
            double need = acc.spent[u] + acc.held[u] + worst_case[u];
            if (worst_case[u] > 0 && need > acc.limit[u] + epsilon) {
                char buf[256];
                std::snprintf(buf, sizeof buf,
                              "account '%s' cannot hold %s=%g (limit %g, spent %g, held %g)",
                              acc.label.c_str(), unit_names[i].data(), worst_case[u], acc.limit[u],
                              acc.spent[u], acc.held[u]);
                return make_error(ErrorCode::budget_exhausted, buf);
            }
        }
        if (a == 0) break;
    }
    for (AccountId a = account;; a = accounts_[a].parent) {
        accounts_[a].held += worst_case;
        if (a == 0) break;
    }
    return Reservation(this, account, worst_case);
}

void Ledger::charge(AccountId account, const Amount& actual) {
    BRAID_ASSERT(account < accounts_.size(), "charge: unknown account");
    for (AccountId a = account;; a = accounts_[a].parent) {
        accounts_[a].spent += actual;
        if (a == 0) break;
    }
}

void Ledger::unhold(AccountId account, const Amount& amount) {
    for (AccountId a = account;; a = accounts_[a].parent) {
        accounts_[a].held -= amount;
        if (a == 0) break;
    }
}

double Ledger::available(AccountId account, BudgetUnit unit) const {
    double room = std::numeric_limits<double>::infinity();
    for (AccountId a = account;; a = accounts_[a].parent) {
        const Account& acc = accounts_[a];
        room = std::min(room, acc.limit[unit] - acc.spent[unit] - acc.held[unit]);
        if (a == 0) break;
    }
    return std::max(room, 0.0);
}

bool Ledger::overdrawn(AccountId account) const {
    const Account& acc = accounts_.at(account);
    for (std::size_t i = 0; i < num_budget_units; ++i)
        if (acc.spent[unit_at(i)] > acc.limit[unit_at(i)] + epsilon) return true;
    return false;
}

}  // namespace braid
