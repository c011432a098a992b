#include "orchestrator/progress.hpp"

#include <chrono>
#include <cstdio>

namespace braid::orchestrator {

namespace {
constexpr std::chrono::milliseconds redraw_interval{150};
}

Progress::Progress(asio::io_context& io, std::size_t total_tasks, std::size_t done_tasks, bool enabled,
                   const Ledger* ledger)
    : timer_(io), total_(total_tasks), done_(done_tasks), enabled_(enabled), ledger_(ledger) {}

void Progress::start() {
    if (!enabled_) return;
    running_ = true;
    draw();
    schedule();
}

void Progress::schedule() {
    timer_.expires_after(redraw_interval);
    timer_.async_wait([this](std::error_code ec) {
        if (ec || !running_) return;
        draw();
        schedule();
    });
}

void Progress::stop() {
    if (!running_) return;
    running_ = false;
    timer_.cancel();
    draw();
    std::fputc('\n', stderr);
}

void Progress::task_done(store::TaskStatus status) {
    ++done_;
    if (status == store::TaskStatus::solved) ++solved_;
}

void Progress::draw() {
    double tokens = ledger_ ? ledger_->spent(ledger_->root())[BudgetUnit::tokens] : 0;
    double samples = ledger_ ? ledger_->spent(ledger_->root())[BudgetUnit::samples] : 0;
    std::fprintf(stderr, "\r\033[K[braid] tasks %zu/%zu  solved %zu  samples %.0f  tokens %.0f", done_, total_,
                 solved_, samples, tokens);
    std::fflush(stderr);
}

}  // namespace braid::orchestrator
