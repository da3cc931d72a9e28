#include "data/splits.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "data/random.h"
#include "evoaug/error.h"

namespace evoaug {
namespace {

std::string number(double value) {
  std::string text = std::to_string(value);
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

SplitSizes split_sizes(std::int64_t count, const SplitFractions& f) {
  if (f.train < 0 || f.valid < 0 || f.test < 0 || std::abs(f.train + f.valid + f.test - 1.0) > 1e-6)
    throw Error("split fractions train_fraction = " + number(f.train) + ", valid_fraction = " + number(f.valid) +
                ", test_fraction = " + number(f.test) + " must be non-negative and add up to 1");
  const auto n_valid = static_cast<std::int64_t>(std::llround(f.valid * static_cast<double>(count)));
  const auto n_test = static_cast<std::int64_t>(std::llround(f.test * static_cast<double>(count)));
  const std::int64_t n_train = count - n_valid - n_test;
  const std::pair<const char*, std::int64_t> sizes[] = {{"train", n_train}, {"valid", n_valid}, {"test", n_test}};
  for (const auto& [name, size] : sizes)
    if (size <= 0)
      throw Error(std::string("the ") + name + " split of " + std::to_string(count) +
                  " sequences would be empty with fractions " + number(f.train) + "/" + number(f.valid) + "/" +
                  number(f.test) + " (train_fraction/valid_fraction/test_fraction)");
  return {n_train, n_valid, n_test};
}

SplitIndices random_split(std::int64_t count, const SplitFractions& f, std::uint64_t seed) {
  const SplitSizes sizes = split_sizes(count, f);
  const std::int64_t n_train = sizes.train, n_valid = sizes.valid;
  DataRandom random(seed, "split");
  const std::vector<std::int64_t> order = random.permutation(count);
  SplitIndices out;
  out.train.assign(order.begin(), order.begin() + n_train);
  out.valid.assign(order.begin() + n_train, order.begin() + n_train + n_valid);
  out.test.assign(order.begin() + n_train + n_valid, order.end());
  for (auto* list : {&out.train, &out.valid, &out.test}) std::sort(list->begin(), list->end());
  return out;
}

Split take_rows(const at::Tensor& x, const at::Tensor& y, const std::vector<std::int64_t>& rows) {
  const at::Tensor index = torch::tensor(rows, torch::kInt64);
  return {x.index_select(0, index), y.index_select(0, index)};
}

void assign_random_splits(Dataset& dataset, const at::Tensor& x, const at::Tensor& y,
                          const SplitFractions& fractions, std::uint64_t seed) {
  const SplitIndices indices = random_split(x.size(0), fractions, seed);
  dataset.train = take_rows(x, y, indices.train);
  dataset.valid = take_rows(x, y, indices.valid);
  dataset.test = take_rows(x, y, indices.test);
}

std::int64_t downsample_count(std::int64_t count, double amount) {
  if (amount == 0) return count;
  if (amount < 0 || !std::isfinite(amount))
    throw Error("downsample = " + number(amount) + ": use a fraction in (0, 1] or a count of sequences");
  std::int64_t wanted = 0;
  if (amount <= 1.0) {
    wanted = std::llround(amount * static_cast<double>(count));
  } else {
    if (amount != std::floor(amount))
      throw Error("downsample = " + number(amount) + ": a value above 1 is a count of sequences and must be whole");
    wanted = static_cast<std::int64_t>(amount);
    if (wanted > count)
      throw Error("downsample = " + std::to_string(wanted) + " asks for more sequences than the training split has (" +
                  std::to_string(count) + ")");
  }
  // Training needs two sequences: a batch of one cannot train batch normalisation.
  if (wanted < 2 && count >= 2)
    throw Error("downsample = " + number(amount) + " keeps " + std::to_string(wanted) + " of the " +
                std::to_string(count) + " training sequences; training needs at least 2 (a batch of one cannot " +
                "train batch normalisation)");
  return std::max<std::int64_t>(wanted, std::min<std::int64_t>(count, 1));
}

Split downsample(const Split& split, double amount, std::uint64_t seed) {
  const std::int64_t count = split.size();
  const std::int64_t keep = downsample_count(count, amount);
  if (keep == count) return split;
  DataRandom random(seed, "downsample");
  std::vector<std::int64_t> rows = random.permutation(count);
  rows.resize(static_cast<std::size_t>(keep));
  std::sort(rows.begin(), rows.end());
  return take_rows(split.x, split.y, rows);
}

}  // namespace evoaug
