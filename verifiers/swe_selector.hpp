#pragma once
// The optional selection thread of strategy `swe` over a task's verified candidates: the top
// three distinct fixes by `rule` (its pick, then its pick among the rest, and so on) go to
// run_selector (selector_thread.hpp), whose test scripts run on context.pool
// (selector_scripts.hpp). Its choice is recorded (VerdictRecorder) as a "selector" verdict on
// every candidate of the shown fixes (1 for the chosen fix, 0 for the others, each with its share
// of the thread's cost) and put in their scores. Nothing happens with fewer than two distinct
// fixes. A failing thread is recorded on its node "<task>/selector" and leaves the scores as they
// were. On the run's orchestration executor.

#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "verifiers/candidate.hpp"
#include "verifiers/swe_verification.hpp"
#include "verifiers/verdict_recorder.hpp"
#include "workers/thread_context.hpp"

namespace braid::verifiers {

asio::awaitable<void> run_selection_thread(workers::RunServices& services, VerdictRecorder verdicts,
                                           SweVerifyContext context, std::string_view rule,
                                           std::vector<Candidate>& candidates);

}  // namespace braid::verifiers
