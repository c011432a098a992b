#pragma once
// The Kinetics cost of generation (reference swe_verify_budget.md §6.4): compute FLOPs plus KV
// memory traffic, so attention over a long KV cache costs what it costs on real hardware rather
// than nothing. Pure arithmetic; every budget layer above uses it.
//
// For a model of P parameters, `layers` layers, h attention heads, h_kv KV heads of head size d,
// N samples of L_out generated tokens each after a shared prompt of L_in tokens:
//   compute = N · [2·P·L_out + 2·layers·(2·L_in + L_out)·L_out·h·d]
//   memory  = 2·layers·(2·L_in + N·L_out)·L_out·h_kv·d      (the prompt's KV is read once for all N)
//   eFLOPs  = compute + I · memory, I the hardware's arithmetic intensity (562.5 for a B200).
// The reference's per-layer formula is the case layers = 1. Units are plain FLOPs and memory
// elements (no 1e-12 scaling).

namespace braid {

inline constexpr double b200_intensity = 562.5;

struct KineticsModel {
    double params = 0;    // P
    double layers = 0;
    double heads = 0;     // h
    double kv_heads = 0;  // h_kv
    double head_dim = 0;  // d
    // True when every architecture field is set (a model the formula can cost).
    bool complete() const { return params > 0 && layers > 0 && heads > 0 && kv_heads > 0 && head_dim > 0; }
};

struct KineticsCost {
    double compute = 0;  // FLOPs
    double memory = 0;   // memory traffic (KV elements read)
    double total(double intensity) const { return compute + intensity * memory; }  // eFLOPs
};

KineticsCost kinetics_cost(const KineticsModel& model, double prompt_tokens, double generated_tokens,
                           double samples);

}  // namespace braid
