// What the benchmarks run on: the paper's augmentation settings as [augment] TOML, and
// random one-hot batches. examples/*.toml carry the same settings for users.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace evoaug::cli::paper {

/// DeepSTARR's values (paper, Methods) for the five ops `evoaug bench augment` times:
/// deletion 0-30, insertion 0-20, translocation 0-20, mutation 0.05, noise 0.3; two per
/// sequence, hard.
std::string deepstarr_bench_augment();
/// DeepSTARR with all seven ops (inversion at its default, rc_prob 0); two per sequence.
/// `mode` is "hard" (DeepSTARR) or "soft" (the ChIP-seq setting, same values).
std::string deepstarr_all_ops(const std::string& mode);
/// Basset's values: deletion 0-30, translocation 0-30, insertion 0-30, rc 0.5,
/// mutation 0.15, noise 0.3; three per sequence, hard.
std::string basset();

}  // namespace evoaug::cli::paper

namespace evoaug::cli {

/// A float (n, 4, length) batch of uniformly random one-hot columns.
at::Tensor random_one_hot(std::int64_t n, std::int64_t length, at::Generator& generator);

}  // namespace evoaug::cli
