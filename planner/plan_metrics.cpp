#include "planner/plan_metrics.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace braid::planner {

PlanMetrics& PlanMetrics::operator+=(const PlanMetrics& o) {
    total_tokens += o.total_tokens;
    critical_path_tokens = std::max(critical_path_tokens, o.critical_path_tokens);
    wall_ms = std::max(wall_ms, o.wall_ms);
    threads += o.threads;
    max_depth = std::max(max_depth, o.max_depth);
    model_calls += o.model_calls;
    return *this;
}

nlohmann::json to_json(const PlanMetrics& m) {
    return nlohmann::json{{"total_tokens", m.total_tokens},
                          {"critical_path_tokens", m.critical_path_tokens},
                          {"wall_ms", m.wall_ms},
                          {"threads", m.threads},
                          {"max_depth", m.max_depth},
                          {"model_calls", m.model_calls}};
}

}  // namespace braid::planner
