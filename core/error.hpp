#pragma once
// Expected failures as values. `Error` carries a code, a message with context and whether a retry
// may succeed; `Result<T>` holds a T or an Error and mirrors std::expected's surface (has_value,
// value, error, operator*, operator->) so it can become one under C++23.

#include <concepts>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/assert.hpp"

namespace braid {

enum class ErrorCode {
    invalid_input,     // the user's input is malformed or inconsistent (exit 2)
    not_found,         // a named thing (file, run, completion) does not exist
    io,                // the file system or database failed
    backend,           // a model backend failed or answered nonsense
    timeout,           // a deadline passed
    cancelled,         // the operation was cancelled (first-finish loser, budget stop)
    budget_exhausted,  // a reservation would overdraw a budget account
    parse,             // model output or data could not be parsed
    internal,          // a broken invariant reported as a value
};

std::string_view to_string(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::internal;
    std::string message;
    bool retryable = false;

    // Prefixes context ("while doing X: ") to the message and returns the error.
    Error with_context(std::string_view context) &&;
    std::string describe() const;  // "code: message"
};

// The code for a system call that failed with `err` on a path the user named: not_found for a
// missing file, invalid_input for one that is not usable as named (permissions, a directory, a
// bad path), io (the machine failed) otherwise.
ErrorCode error_code_for_errno(int err);

inline Error make_error(ErrorCode code, std::string message, bool retryable = false) {
    return Error{code, std::move(message), retryable};
}

template <class T>
class [[nodiscard]] Result {
public:
    // Like std::expected: default construction holds a value-initialized T.
    Result()
        requires std::default_initializable<T>
        : state_(std::in_place_index<0>) {}
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT implicit
    Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT implicit

    bool has_value() const noexcept { return state_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & {
        BRAID_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    const T& value() const& {
        BRAID_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(state_);
    }
    T&& value() && {
        BRAID_ASSERT(has_value(), "Result::value() on an error");
        return std::get<0>(std::move(state_));
    }
    const Error& error() const& {
        BRAID_ASSERT(!has_value(), "Result::error() on a value");
        return std::get<1>(state_);
    }
    Error&& error() && {
        BRAID_ASSERT(!has_value(), "Result::error() on a value");
        return std::get<1>(std::move(state_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    template <class U>
    T value_or(U&& fallback) const& {
        return has_value() ? std::get<0>(state_) : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT implicit

    bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    void value() const { BRAID_ASSERT(ok_, "Result<void>::value() on an error"); }
    const Error& error() const& {
        BRAID_ASSERT(!ok_, "Result::error() on a value");
        return error_;
    }
    Error&& error() && {
        BRAID_ASSERT(!ok_, "Result::error() on a value");
        return std::move(error_);
    }

private:
    Error error_;
    bool ok_ = true;
};

// An environment failure that ends the command; caught in main and printed as one line.
class FatalError : public std::exception {
public:
    explicit FatalError(Error error) : error_(std::move(error)), what_(error_.describe()) {}
    const Error& error() const noexcept { return error_; }
    const char* what() const noexcept override { return what_.c_str(); }

private:
    Error error_;
    std::string what_;
};

}  // namespace braid
