#include "backends/local/gguf/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace braid::backends::local {

struct MappedFile::Key {};

namespace {

// Closes a file descriptor on scope exit; the mapping outlives it (mmap keeps its own reference).
class FdGuard {
public:
    explicit FdGuard(int fd) : fd_(fd) {}
    ~FdGuard() {
        if (fd_ >= 0) ::close(fd_);
    }
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;
    int fd() const { return fd_; }

private:
    int fd_;
};

Error os_error(const std::filesystem::path& path, const char* what, int err) {
    return make_error(error_code_for_errno(err), std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::filesystem::path& path) {
    FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.fd() < 0) return os_error(path, "cannot open", errno);
    struct stat st {};
    if (::fstat(fd.fd(), &st) != 0) return os_error(path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode))
        return make_error(ErrorCode::invalid_input, "not a regular file: " + path.string());
    auto size = static_cast<std::size_t>(st.st_size);
    const std::uint8_t* data = nullptr;
    if (size > 0) {
        void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.fd(), 0);
        if (addr == MAP_FAILED) return os_error(path, "cannot mmap", errno);
        data = static_cast<const std::uint8_t*>(addr);
    }
    return std::make_shared<const MappedFile>(Key{}, path, data, size);
}

MappedFile::~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

}  // namespace braid::backends::local
