#pragma once
// Strong integer ids, so a node id can never be passed where a run id is expected.

#include <cstdint>
#include <functional>

namespace braid {

template <class Tag>
struct StrongId {
    std::int64_t value = 0;
    friend auto operator<=>(const StrongId&, const StrongId&) = default;
};

using RunId = StrongId<struct RunTag>;
using NodeId = StrongId<struct NodeTag>;

}  // namespace braid

template <class Tag>
struct std::hash<braid::StrongId<Tag>> {
    std::size_t operator()(const braid::StrongId<Tag>& id) const noexcept {
        return std::hash<std::int64_t>{}(id.value);
    }
};
