#include "core/hash.hpp"

namespace braid {

std::string content_hash(std::string_view bytes) {
    // FNV-1a, 128-bit parameters.
    __extension__ typedef unsigned __int128 u128;
    const u128 prime = (static_cast<u128>(0x0000000001000000ULL) << 64) | 0x000000000000013BULL;
    u128 h = (static_cast<u128>(0x6c62272e07bb0142ULL) << 64) | 0x62b821756295c58dULL;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= prime;
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 31; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = digits[static_cast<unsigned>(h & 0xF)];
        h >>= 4;
    }
    return out;
}

std::uint64_t derive_seed(std::uint64_t seed, std::string_view path) {
    std::string key = std::to_string(seed) + "/" + std::string(path);
    return std::stoull(content_hash(key).substr(0, 15), nullptr, 16);
}

}  // namespace braid
