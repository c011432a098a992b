#pragma once
// The one place where a task's candidates, verdicts and selection are recorded (DESIGN §3.6).
// Every strategy (planner/) and the pipeline runs (orchestrator/) hand their outputs here: each
// becomes a graded candidate row, each verifier's score a verdict row, and a selection rule's
// choice a "select" join node with a "selected" event, from which the task's status follows.
//
// A VerdictRecorder is a small copyable handle (it owns nothing); the recorder, task and kind it
// points to are owned by the run and outlive it. Use it on the run's orchestration executor, like
// the store::RunRecorder it writes through.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "store/run_recorder.hpp"
#include "tasks/task_kind.hpp"
#include "verifiers/candidate.hpp"
#include "workers/thread_loop.hpp"

namespace braid::verifiers {

// What a task comes to when its selected candidate is not correct (or nothing is selected): the
// status (how a task's solve ended: store/vocabulary.hpp), and why ("" when there is nothing to
// say).
struct Fallback {
    store::TaskStatus status = store::TaskStatus::unsolved;
    std::string error;
};

// Why threads produced no candidate, gathered while collecting them.
struct Shortfall {
    bool budget_refused = false;  // some thread (or call) was refused by the ledger
    std::string last_error;       // the last failure other than cancellation
    void note(const Error& error);
    // A thread that ended without output (workers::ThreadResult::status and reason).
    void note_thread(workers::ThreadStatus status, const std::string& reason);
    // For threads that left `candidates` candidates: budget_exhausted ("budget exhausted before any
    // thread finished") or failed (last_error) when they left none and this says why, else unsolved.
    Fallback fallback(std::size_t candidates) const;
};

// A task's candidates and what selection made of them. planner::TaskOutcome adds the plan's
// metrics to it.
struct TaskVerdict {
    store::TaskStatus status = store::TaskStatus::unsolved;
    std::vector<Candidate> candidates;
    Selection selection;
    std::string error;  // why the task is not solved (failed / budget_exhausted), else ""
};

// One selection and how its join node is recorded.
struct SelectStep {
    std::string rule;             // a select_by_rule name; an invalid one is a bug (asserted)
    std::string label;            // the join node's label
    std::vector<NodeId> joined;   // a "join" edge from each into the join node
    Fallback fallback;            // the status and error unless the selected candidate is correct
    nlohmann::json event = nlohmann::json::object();  // more fields of the "selected" event
    bool failed = false;  // the join node ends failed instead of finished
};

class VerdictRecorder {
public:
    // `node` and `path`: the task's node and its stable path; the join node hangs below it.
    VerdictRecorder(store::RunRecorder& recorder, const tasks::Task& task, const tasks::TaskKind& kind,
                    NodeId node, std::string path);

    store::RunRecorder& recorder() const { return *recorder_; }
    const tasks::Task& task() const { return *task_; }
    const tasks::TaskKind& kind() const { return *kind_; }
    NodeId node() const { return node_; }
    const std::string& path() const { return path_; }

    // Grades `output` with the task's checker, stores the candidate and its verdict ("checker", or
    // "oracle" for a kind whose grade is hidden), and returns it (normalized key and score filled in).
    Candidate record_candidate(NodeId node, std::string output, std::int64_t completion_tokens) const;
    // The same with a grade computed beforehand (off the executor, for kinds whose grading is slow).
    Candidate record_graded_candidate(NodeId node, std::string output, std::int64_t completion_tokens,
                                      const tasks::Grade& grade) const;

    // Records `score` as `verifier`'s verdict on `candidate`: in its scores and in the store, with
    // the verdict's cost (the candidate's share, USD) and details.
    void record_verdict(Candidate& candidate, std::string_view verifier, double score, double cost_usd = 0.0,
                        std::string details_json = "{}") const;

    // Creates the "<path>/select" join node with a "join" edge from each of step.joined, applies
    // step.rule to verdict.candidates (in their order, which `braid replay` must reproduce), sets
    // verdict.selection, and verdict.status: solved when the chosen candidate is correct
    // (verifiers::correctness: the oracle, else the checker), else step.fallback, whose error then
    // becomes verdict.error. Records the "selected" event (rule, reason, candidates, status, the
    // chosen node and answer, and step.event's fields) and finishes the join node.
    void select(SelectStep step, TaskVerdict& verdict) const;

private:
    Candidate store_candidate(NodeId node, std::string output, std::int64_t completion_tokens,
                              const tasks::Grade* grade) const;

    store::RunRecorder* recorder_;
    const tasks::Task* task_;
    const tasks::TaskKind* kind_;
    NodeId node_;
    std::string path_;
};

}  // namespace braid::verifiers
