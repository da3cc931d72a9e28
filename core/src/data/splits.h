// Random train/valid/test splits and the downsampling of a training split, both seeded.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "evoaug/dataset.h"

namespace evoaug {

/// Fractions of the sequences in each split; they must add up to 1. The default is the
/// paper's for its ChIP-seq data.
struct SplitFractions {
  double train = 0.7, valid = 0.1, test = 0.2;
};

/// Row indices of each split, each list in increasing order (file order is kept).
struct SplitIndices {
  std::vector<std::int64_t> train, valid, test;
};

/// How many of `count` sequences each split gets (valid and test sizes are rounded, train
/// takes the rest), without drawing them. Throws Error, as random_split does, when a split
/// would be empty or the fractions do not add up to 1.
struct SplitSizes {
  std::int64_t train = 0, valid = 0, test = 0;
};
SplitSizes split_sizes(std::int64_t count, const SplitFractions& fractions);

/// Shuffles 0..count-1 with `seed` and cuts it by `fractions` (valid and test sizes are
/// rounded, train takes the rest). Throws Error when a split would be empty or the
/// fractions do not add up to 1.
SplitIndices random_split(std::int64_t count, const SplitFractions& fractions, std::uint64_t seed);

/// The rows `rows` of (x, y) as a Split (copies).
Split take_rows(const at::Tensor& x, const at::Tensor& y, const std::vector<std::int64_t>& rows);

/// Splits (x, y) with random_split.
void assign_random_splits(Dataset& dataset, const at::Tensor& x, const at::Tensor& y,
                          const SplitFractions& fractions, std::uint64_t seed);

/// How many training sequences `amount` keeps out of `count`: 0 keeps all; a value in
/// (0, 1] is a fraction (rounded, at least 1); a whole number > 1 is a count, which must
/// not exceed `count`. Throws Error otherwise.
std::int64_t downsample_count(std::int64_t count, double amount);

/// A random subset of `split` of downsample_count(split.size(), amount) sequences, drawn
/// with `seed`, in their original order. Returns `split` itself when nothing is removed.
Split downsample(const Split& split, double amount, std::uint64_t seed);

}  // namespace evoaug
