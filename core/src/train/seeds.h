// The run's random streams: every stream (stage, shuffle, a batch's augmentation,
// evaluation padding) gets its own seed, derived from the run's seed and a salt, so that
// they are independent of each other and of the order in which they are used.
#pragma once

#include <cstdint>

namespace evoaug {

/// A 64-bit seed derived from `seed` and `salt` (splitmix64).
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) & 0x7fffffffffffffffULL;  // LibTorch seeds are signed on some paths
}

/// Salt of a rank's own streams in a data-parallel run (its augmentation and dropout
/// draws): rank r uses derive_seed(stream, kRankSalt + r); rank 0 of one
/// process keeps the stream itself.
constexpr std::uint64_t kRankSalt = 0x7a4c;

}  // namespace evoaug
