// Helpers for the augmentation plugins' property tests (suite `augmentations`): build
// an op from the built-in plugins, make random one-hot batches, decode rows to letters,
// and check a property on every row of both kernel paths.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "catch.h"
#include "evoaug/plugin_registry.h"
#include "evoaug/sdk/params.h"
#include "test_support.h"

namespace evoaug::testing {

/// One registry for the suite: it must outlive any exception a plugin throws (the
/// exception's code lives in the plugin's library).
inline const PluginRegistry& suite_registry() {
  static const std::unique_ptr<PluginRegistry> registry = builtin_registry();
  return *registry;
}

/// The op `name` built for (alphabet, length) with `values` over its defaults.
inline std::shared_ptr<sdk::Augmentation> make_op(const std::string& name,
                                                  const std::map<std::string, sdk::ParamValue>& values,
                                                  std::int64_t length, std::int64_t alphabet = 4) {
  const PluginRegistry* registry = &suite_registry();
  sdk::Params params = sdk::Params::defaults(registry->augmentation(name).schema);
  for (const auto& [key, value] : values) params.set(key, value);
  return registry->make_augmentation(name, params, sdk::SequenceShape{alphabet, length});
}

inline at::Generator cpu_generator(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

/// Random one-hot DNA (n, 4, length), float32.
inline at::Tensor random_batch(std::int64_t n, std::int64_t length, std::uint64_t seed) {
  at::Generator g = cpu_generator(seed);
  return at::one_hot(at::randint(0, 4, {n, length}, g, at::kLong), 4).permute({0, 2, 1}).to(at::kFloat).contiguous();
}

/// True when every column is exactly one-hot (one 1, the rest 0).
inline bool is_one_hot(const at::Tensor& batch) {
  const at::Tensor x = batch.to(at::kDouble);
  return (x.eq(0) | x.eq(1)).all().item<bool>() && x.sum(1).eq(1).all().item<bool>();
}

/// Row `r` of a one-hot batch as letters (A, C, G, T).
inline std::string decode(const at::Tensor& batch, std::int64_t r) {
  const at::Tensor letters = batch[r].argmax(0).to(at::kLong).contiguous();
  std::string out;
  const auto* p = letters.data_ptr<std::int64_t>();
  for (std::int64_t j = 0; j < letters.size(0); ++j) out.push_back("ACGT"[p[j]]);
  return out;
}

inline std::string reverse_complement(const std::string& s) {
  std::string out(s.rbegin(), s.rend());
  for (char& c : out) c = c == 'A' ? 'T' : c == 'C' ? 'G' : c == 'G' ? 'C' : 'A';
  return out;
}

/// Python's `round()` (half to even), the reference's count of mutations.
inline std::int64_t round_half_even(double x) { return static_cast<std::int64_t>(std::nearbyint(x)); }

/// Both kernel paths of an op on the same rows: the CPU fast path (float32) and the
/// generic torch path (float64 takes it on the CPU, as CUDA does).
inline std::vector<std::pair<std::string, at::Tensor>> both_paths(const at::Tensor& batch) {
  return {{"fast path (float32)", batch.to(at::kFloat)}, {"generic path (float64)", batch.to(at::kDouble)}};
}

/// Applies `op` to a random batch on both paths and checks `property(in, out)` (rows as
/// letters) on every row; also shape and one-hot validity.
template <typename Property>
void check_every_row(const sdk::Augmentation& op, std::int64_t n, std::int64_t length, std::uint64_t seed,
                     const Property& property) {
  const at::Tensor input = random_batch(n, length, seed);
  for (const auto& [path, batch] : both_paths(input)) {
    INFO(path);
    at::Generator g = cpu_generator(seed + 1);
    const at::Tensor out = op.apply(batch, g);
    REQUIRE(out.sizes() == at::IntArrayRef{n, 4, op.output_length(length)});
    REQUIRE(out.scalar_type() == batch.scalar_type());
    REQUIRE(is_one_hot(out));
    for (std::int64_t r = 0; r < n; ++r) {
      const std::string in_row = decode(input, r), out_row = decode(out, r);
      INFO("row " << r << "\n in:  " << in_row << "\n out: " << out_row);
      REQUIRE(property(in_row, out_row));
    }
  }
}

/// The same generator seed gives the same output; another seed another one.
inline void check_deterministic(const sdk::Augmentation& op, std::int64_t length) {
  const at::Tensor input = random_batch(64, length, 11);
  for (const auto& [path, batch] : both_paths(input)) {
    INFO(path);
    at::Generator a = cpu_generator(5), b = cpu_generator(5), c = cpu_generator(6);
    const at::Tensor first = op.apply(batch, a);
    CHECK(at::equal(first, op.apply(batch, b)));
    CHECK_FALSE(at::equal(first, op.apply(batch, c)));
  }
}

/// Building `name` with `values` throws a ParamError naming `key`.
inline void check_rejected(const std::string& name, const std::map<std::string, sdk::ParamValue>& values,
                           std::int64_t length, const std::string& key) {
  try {
    make_op(name, values, length);
    FAIL("expected " << name << " to refuse its parameters");
  } catch (const sdk::ParamError& e) {
    CHECK(e.key() == key);
    CHECK_THAT(e.what(), Contains(key));
  }
}

}  // namespace evoaug::testing
