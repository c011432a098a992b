#pragma once
// The SQLite library version the store runs on ("3.40.1"), for `braid doctor`.

#include <string>

namespace braid::store {

std::string sqlite_library_version();

}  // namespace braid::store
