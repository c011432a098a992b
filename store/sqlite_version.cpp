#include "store/sqlite_version.hpp"

#include <sqlite3.h>

namespace braid::store {

std::string sqlite_library_version() { return sqlite3_libversion(); }

}  // namespace braid::store
