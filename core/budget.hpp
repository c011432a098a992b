#pragma once
// The budget ledger: a tree of accounts (run → stage → node), each with optional limits in several
// units. A call reserves its worst case on an account before it starts; the reservation is checked
// against that account and every ancestor, so a node that would overdraw any level is not started.
// After the call, the reservation is settled with the actual amount (or released on destruction).
//
// Not thread-safe: a Ledger lives on the orchestration executor, like the rest of a run's state.

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace braid {

// wall_s is a deadline, not a quantity calls draw on: reservations never carry it; the run that
// owns the ledger stops starting work, and cancels work in flight, once that many seconds passed.
enum class BudgetUnit : std::size_t { tokens, usd, samples, flops, bytes, wall_s };
inline constexpr std::size_t num_budget_units = 6;

std::string_view to_string(BudgetUnit unit);

// An amount in every unit at once. For limits, +infinity means "no limit in this unit".
class Amount {
public:
    static Amount zero() { return Amount{}; }
    static Amount unlimited();

    double operator[](BudgetUnit unit) const { return values_[static_cast<std::size_t>(unit)]; }
    double& operator[](BudgetUnit unit) { return values_[static_cast<std::size_t>(unit)]; }

    Amount& operator+=(const Amount& other);
    Amount& operator-=(const Amount& other);
    friend Amount operator+(Amount a, const Amount& b) { return a += b; }
    friend Amount operator-(Amount a, const Amount& b) { return a -= b; }
    friend bool operator==(const Amount&, const Amount&) = default;

    // "tokens=1200 usd=0.0300"; units that are zero (or unlimited, for limits) are left out.
    std::string describe() const;

private:
    std::array<double, num_budget_units> values_{};
};

// Parses "usd=20,tokens=100000,samples=64,wall_s=600" into limits (unnamed units stay unlimited).
// Rejects unknown units, missing '=' and negative or non-numeric values with a message naming them.
Result<Amount> parse_budget(std::string_view text);

class Ledger;

// A worst-case amount held on an account until settled. Move-only; releases itself if dropped.
class Reservation {
public:
    Reservation() = default;
    Reservation(Reservation&& other) noexcept;
    Reservation& operator=(Reservation&& other) noexcept;
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation();

    // Charges `actual` to the account and its ancestors and drops the hold. `actual` may exceed the
    // reservation (a server that ignored max_tokens); the ledger records it as overdraft.
    void settle(const Amount& actual);
    void release();  // drops the hold, charging nothing
    bool active() const { return ledger_ != nullptr; }
    const Amount& amount() const { return amount_; }

private:
    friend class Ledger;
    Reservation(Ledger* ledger, std::size_t account, Amount amount)
        : ledger_(ledger), account_(account), amount_(amount) {}

    Ledger* ledger_ = nullptr;  // not owned
    std::size_t account_ = 0;
    Amount amount_;
};

class Ledger {
public:
    using AccountId = std::size_t;

    explicit Ledger(Amount root_limit = Amount::unlimited());

    AccountId root() const { return 0; }
    AccountId open(AccountId parent, std::string label, Amount limit = Amount::unlimited());

    // Holds `worst_case` on `account` if it and every ancestor can afford it; otherwise returns
    // budget_exhausted naming the account and unit that would be overdrawn.
    Result<Reservation> reserve(AccountId account, const Amount& worst_case);
    // Charges an amount that was not reserved in advance (verifier work measured after the fact).
    void charge(AccountId account, const Amount& actual);

    // Replaces the account's limit. It may go below what the account has spent and holds: later
    // reservations on it (or below it) are then refused; spent and held are never changed.
    void set_limit(AccountId account, const Amount& limit);

    const Amount& limit(AccountId account) const { return accounts_.at(account).limit; }
    const Amount& spent(AccountId account) const { return accounts_.at(account).spent; }
    const Amount& held(AccountId account) const { return accounts_.at(account).held; }
    const std::string& label(AccountId account) const { return accounts_.at(account).label; }
    // Remaining room in `unit` on this account, also bounded by every ancestor.
    double available(AccountId account, BudgetUnit unit) const;
    bool overdrawn(AccountId account) const;

private:
    friend class Reservation;
    struct Account {
        std::string label;
        AccountId parent = 0;
        Amount limit;
        Amount spent;
        Amount held;
    };
    void unhold(AccountId account, const Amount& amount);

    std::vector<Account> accounts_;
};

}  // namespace braid
