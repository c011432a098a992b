#include "backends/local/model/rope_scaling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace braid::backends::local {

namespace {

constexpr double k_fit_tolerance = 1e-5;

float base_inv_freq(float theta, std::int64_t head_dim, std::int64_t pair) {
    // transformers: 1 / theta ** (arange(0, dim, 2).float() / dim), in fp32.
    float exponent = static_cast<float>(2 * pair) / static_cast<float>(head_dim);
    return 1.0f / std::pow(theta, exponent);
}

std::vector<double> wavelengths(float theta, std::int64_t head_dim) {
    std::vector<double> out;
    for (std::int64_t i = 0; i < head_dim / 2; ++i)
        out.push_back(2.0 * std::numbers::pi /
                      static_cast<double>(base_inv_freq(theta, head_dim, i)));
    return out;
}

bool reproduces(const RopeScaling& scaling, std::span<const float> factors, float theta,
                std::int64_t head_dim) {
    std::vector<float> got = llama3_rope_factors(scaling, theta, head_dim);
    for (std::size_t i = 0; i < factors.size(); ++i)
        if (std::fabs(got[i] - factors[i]) > k_fit_tolerance * std::fabs(factors[i])) return false;
    return true;
}

}  // namespace

std::vector<float> llama3_rope_factors(const RopeScaling& scaling, float theta,
                                       std::int64_t head_dim) {
    std::vector<float> out(static_cast<std::size_t>(head_dim / 2), 1.0f);
    if (scaling.kind != RopeScaling::Kind::llama3) return out;
    const float two_pi = 2.0f * std::numbers::pi_v<float>;
    const auto l0 = static_cast<float>(scaling.original_max_position);
    const float low_freq_wavelen = l0 / scaling.low_freq_factor;
    const float high_freq_wavelen = l0 / scaling.high_freq_factor;
    for (std::int64_t i = 0; i < head_dim / 2; ++i) {
        float wavelen = two_pi / base_inv_freq(theta, head_dim, i);
        float& f = out[static_cast<std::size_t>(i)];
        if (wavelen < high_freq_wavelen) {
            f = 1.0f;
        } else if (wavelen > low_freq_wavelen) {
            f = scaling.factor;
        } else {
            float smooth = (l0 / wavelen - scaling.low_freq_factor) /
                           (scaling.high_freq_factor - scaling.low_freq_factor);
            f = 1.0f / ((1.0f - smooth) / scaling.factor + smooth);
        }
    }
    return out;
}

Result<RopeScaling> fit_llama3_rope_scaling(std::span<const float> factors, float theta,
                                            std::int64_t head_dim,
                                            std::optional<std::int64_t> original_max_position) {
    auto fail = [](const std::string& why) {
        return make_error(ErrorCode::invalid_input, "rope_freqs.weight: " + why);
    };
    if (head_dim <= 0 || factors.size() != static_cast<std::size_t>(head_dim / 2))
        return fail(std::to_string(factors.size()) + " factors for head_dim " +
                    std::to_string(head_dim) + " (want head_dim/2)");
    RopeScaling none;
    if (reproduces(none, factors, theta, head_dim)) return none;

    for (float f : factors)
        if (!(f > 0.0f) || !std::isfinite(f)) return fail("factors must be positive and finite");
    const double factor = *std::max_element(factors.begin(), factors.end());
    const std::vector<double> wavelen = wavelengths(theta, head_dim);
    // Split pairs into unscaled (high frequency), fully scaled (low) and blended ones.
    std::vector<std::size_t> high, mid, low;
    for (std::size_t i = 0; i < factors.size(); ++i) {
        double f = factors[i];
        if (std::fabs(f - 1.0) <= k_fit_tolerance)
            high.push_back(i);
        else if (std::fabs(f - factor) <= k_fit_tolerance * factor)
            low.push_back(i);
        else
            mid.push_back(i);
    }
    if (low.empty() || factor <= 1.0)
        return fail("no pair is fully scaled, so the llama3 factor cannot be recovered");

    RopeScaling fit;
    fit.kind = RopeScaling::Kind::llama3;
    fit.factor = static_cast<float>(factor);
    // Blended pairs satisfy s = a / wavelen - b, with s = (1/f - 1/factor) / (1 - 1/factor),
    // a = L0 / (high - low) and b = low / (high - low).
    auto smooth = [&](std::size_t i) {
        return (1.0 / factors[i] - 1.0 / factor) / (1.0 - 1.0 / factor);
    };
    double low_ff = 1.0, high_ff = 4.0, l0 = 0.0;
    if (mid.size() >= 2) {
        std::size_t p = mid.front(), q = mid.back();
        double a = (smooth(p) - smooth(q)) / (1.0 / wavelen[p] - 1.0 / wavelen[q]);
        double b = a / wavelen[p] - smooth(p);
        if (!(a > 0.0) || !(b > 0.0)) return fail("blended factors do not follow the llama3 rule");
        if (original_max_position) {
            l0 = static_cast<double>(*original_max_position);
            low_ff = b * l0 / a;
            high_ff = low_ff + l0 / a;
        } else {
            high_ff = 1.0 + 1.0 / b;
            l0 = a / b;
        }
    } else if (mid.size() == 1) {
        // One equation: keep low = 1 and either the file's L0 or high = 4.
        std::size_t p = mid.front();
        if (original_max_position) {
            l0 = static_cast<double>(*original_max_position);
            high_ff = low_ff + (l0 / wavelen[p] - low_ff) / smooth(p);
        } else {
            l0 = wavelen[p] * (smooth(p) * (high_ff - low_ff) + low_ff);
        }
    } else {
        // No blended pair: put the thresholds L0/low and L0/high between the bands (any such
        // choice gives the same factors): L0/low just below the first fully scaled wavelength,
        // L0/high between that and the last unscaled one.
        double t_low = wavelen[low.front()] * 0.999;
        double t_high = high.empty() ? t_low / 4.0 : std::sqrt(wavelen[high.back()] * t_low);
        l0 = original_max_position ? static_cast<double>(*original_max_position) : t_low;
        low_ff = l0 / t_low;
        high_ff = l0 / t_high;
    }
    // L0 is an integer in both formats; scaling L0, low and high together keeps every factor.
    if (!original_max_position) {
        double rounded = std::max(1.0, std::round(l0));
        low_ff *= rounded / l0;
        high_ff *= rounded / l0;
        l0 = rounded;
    }
    constexpr double float_max = std::numeric_limits<float>::max();
    constexpr double l0_max = 1e15;  // llround's range is int64; real values are below 2^24
    if (!(low_ff > 0.0 && high_ff < float_max && l0 >= 1.0 && l0 < l0_max))
        return fail("fitted parameters are out of range");
    fit.low_freq_factor = static_cast<float>(low_ff);
    fit.high_freq_factor = static_cast<float>(high_ff);
    fit.original_max_position = std::llround(l0);
    if (!(fit.high_freq_factor > fit.low_freq_factor) || fit.original_max_position <= 0)
        return fail("fitted parameters are degenerate");
    if (!reproduces(fit, factors, theta, head_dim) && original_max_position)
        return fit_llama3_rope_scaling(factors, theta, head_dim, std::nullopt);
    if (!reproduces(fit, factors, theta, head_dim))
        return fail("no llama3 parameters reproduce the factors (factor " + std::to_string(factor) +
                    ", " + std::to_string(mid.size()) + " blended pairs)");
    return fit;
}

}  // namespace braid::backends::local
