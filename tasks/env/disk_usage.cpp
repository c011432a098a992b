#include "tasks/env/disk_usage.hpp"

namespace braid::tasks::env {

namespace fs = std::filesystem;

std::uint64_t folder_bytes(const std::vector<fs::path>& folders) {
    std::uint64_t total = 0;
    for (const fs::path& folder : folders) {
        std::error_code ec;
        fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied,
                                            ec);
        for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            std::error_code entry_ec;
            if (!it->is_regular_file(entry_ec) || it->is_symlink(entry_ec)) continue;
            const std::uintmax_t size = it->file_size(entry_ec);
            if (!entry_ec) total += size;
        }
    }
    return total;
}

}  // namespace braid::tasks::env
