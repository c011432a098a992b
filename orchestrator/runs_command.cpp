// `braid runs ls` and `braid runs show RUN`: readers of the event store.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/run_executor.hpp"
#include "store/store.hpp"

namespace braid::orchestrator {

namespace {

std::string format_time(std::int64_t ms) {
    if (ms == 0) return "-";
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

std::string config_field(const std::string& config_json, const char* key) {
    auto j = nlohmann::json::parse(config_json, nullptr, false);
    if (j.is_discarded() || !j.contains(key)) return "?";
    return j[key].is_string() ? j[key].get<std::string>() : json_text(j[key]);
}

nlohmann::json node_json(const store::NodeRecord& n) {
    return nlohmann::json{{"id", n.id.value},
                          {"parent", n.parent.value},
                          {"path", n.path},
                          {"kind", std::string(store::to_string(n.kind))},
                          {"label", n.label},
                          {"status", std::string(store::to_string(n.status))},
                          {"backend", n.backend},
                          {"model", n.model},
                          {"started_ms", n.started_ms},
                          {"finished_ms", n.finished_ms},
                          {"prompt_tokens", n.usage.prompt_tokens},
                          {"completion_tokens", n.usage.completion_tokens},
                          {"cost_usd", n.cost_usd}};
}

void print_tree(const std::vector<store::NodeRecord>& nodes, const std::map<std::int64_t, std::vector<std::size_t>>& children,
                std::int64_t parent, int depth, const std::map<std::int64_t, std::size_t>& joins_into) {
    auto it = children.find(parent);
    if (it == children.end()) return;
    for (std::size_t i : it->second) {
        const store::NodeRecord& n = nodes[i];
        std::printf("%*s#%lld %s %s [%s]", depth * 2, "", static_cast<long long>(n.id.value),
                    std::string(store::to_string(n.kind)).c_str(), n.label.c_str(),
                    std::string(store::to_string(n.status)).c_str());
        if (n.usage.total_tokens() > 0)
            std::printf("  %lld+%lld tok", static_cast<long long>(n.usage.prompt_tokens),
                        static_cast<long long>(n.usage.completion_tokens));
        if (n.cost_usd > 0) std::printf("  $%.4f", n.cost_usd);
        if (n.finished_ms > 0 && n.started_ms > 0)
            std::printf("  %lld ms", static_cast<long long>(n.finished_ms - n.started_ms));
        if (auto j = joins_into.find(n.id.value); j != joins_into.end()) std::printf("  joins %zu threads", j->second);
        std::printf("\n");
        print_tree(nodes, children, n.id.value, depth + 1, joins_into);
    }
}

}  // namespace

int run_runs_list(const CommonArgs& common) {
    auto store = store::Store::open_read_only(common.db_path);
    auto runs = store->runs();
    if (common.json) {
        nlohmann::json out = nlohmann::json::array();
        for (const store::RunRecord& r : runs) {
            RunSummary s = summarize_stored_run(*store, r.id);
            out.push_back({{"run", r.id.value},
                           {"status", std::string(store::to_string(r.status))},
                           {"started_ms", r.started_ms},
                           {"strategy", config_field(r.config_json, "strategy")},
                           {"backend", config_field(r.config_json, "backend")},
                           {"solved", s.count(store::TaskStatus::solved)},
                           {"tasks", s.tasks.size()},
                           {"tokens", s.usage.total_tokens()},
                           {"cost_usd", s.cost_usd}});
        }
        std::cout << json_text(out) << "\n";
        return exit_ok;
    }
    std::printf("%-5s %-19s %-16s %-18s %-10s %-9s %10s %10s\n", "RUN", "STARTED (UTC)", "STATUS", "STRATEGY",
                "BACKEND", "SOLVED", "TOKENS", "COST $");
    for (const store::RunRecord& r : runs) {
        RunSummary s = summarize_stored_run(*store, r.id);
        std::string solved = std::to_string(s.count(store::TaskStatus::solved)) + "/" +
                             std::to_string(s.tasks.size());
        std::printf("%-5lld %-19s %-16s %-18s %-10s %-9s %10lld %10.4f\n",
                    static_cast<long long>(r.id.value), format_time(r.started_ms).c_str(),
                    std::string(store::to_string(r.status)).c_str(),
                    config_field(r.config_json, "strategy").c_str(),
                    config_field(r.config_json, "backend").c_str(), solved.c_str(),
                    static_cast<long long>(s.usage.total_tokens()), s.cost_usd);
    }
    return exit_ok;
}

int run_runs_show(const CommonArgs& common, std::int64_t run_id) {
    auto store = store::Store::open_read_only(common.db_path);
    RunId run{run_id};
    store::RunRecord record = load_run(*store, run_id);
    auto nodes = store->nodes(run);
    auto edges = store->edges(run);
    RunSummary summary = summarize_stored_run(*store, run);

    if (common.json) {
        nlohmann::json j{{"run", run_id},
                         {"status", std::string(store::to_string(record.status))},
                         {"command", record.command},
                         {"config", nlohmann::json::parse(record.config_json, nullptr, false)},
                         {"started_ms", record.started_ms},
                         {"finished_ms", record.finished_ms},
                         {"spent", nlohmann::json::parse(record.spent_json, nullptr, false)}};
        j["nodes"] = nlohmann::json::array();
        for (const auto& n : nodes) j["nodes"].push_back(node_json(n));
        j["edges"] = nlohmann::json::array();
        for (const auto& e : edges)
            j["edges"].push_back({{"src", e.src.value},
                                  {"dst", e.dst.value},
                                  {"kind", std::string(store::to_string(e.kind))}});
        j["tasks"] = nlohmann::json::array();
        for (const auto& t : summary.tasks)
            j["tasks"].push_back({{"id", t.id},
                                  {"status", std::string(store::outcome_name(t.status))},
                                  {"answer", t.answer},
                                  {"candidates", t.candidates}});
        j["prompt_tokens"] = summary.usage.prompt_tokens;
        j["completion_tokens"] = summary.usage.completion_tokens;
        j["cost_usd"] = summary.cost_usd;
        std::cout << json_text(j) << "\n";
        return exit_ok;
    }

    std::printf("run %lld  %s  started %s UTC  finished %s UTC\n", static_cast<long long>(run_id),
                std::string(store::to_string(record.status)).c_str(),
                format_time(record.started_ms).c_str(), format_time(record.finished_ms).c_str());
    std::printf("command: %s\n", record.command.c_str());
    std::printf("config:  %s\n", record.config_json.c_str());
    std::printf("\nDAG (%zu nodes, %zu edges):\n", nodes.size(), edges.size());
    std::map<std::int64_t, std::vector<std::size_t>> children;
    for (std::size_t i = 0; i < nodes.size(); ++i) children[nodes[i].parent.value].push_back(i);
    std::map<std::int64_t, std::size_t> joins_into;
    for (const auto& e : edges)
        if (e.kind == store::EdgeKind::join) ++joins_into[e.dst.value];
    print_tree(nodes, children, 0, 1, joins_into);

    std::printf("\ntasks:\n");
    for (const auto& t : summary.tasks)
        std::printf("  %-16s %-16s %zu candidates  %s\n", t.id.c_str(),
                    std::string(store::outcome_name(t.status)).c_str(), t.candidates,
                    t.answer.c_str());
    std::printf("\ncosts: tokens %lld (prompt %lld, completion %lld)  usd %.4f  spent %s\n",
                static_cast<long long>(summary.usage.total_tokens()), static_cast<long long>(summary.usage.prompt_tokens),
                static_cast<long long>(summary.usage.completion_tokens), summary.cost_usd, record.spent_json.c_str());
    std::printf("solved %zu/%zu\n", summary.count(store::TaskStatus::solved), summary.tasks.size());
    return exit_ok;
}

}  // namespace braid::orchestrator
