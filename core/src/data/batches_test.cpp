#include "data/batches.h"

#include "catch.h"
#include <torch/torch.h>

#include <set>

#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;

namespace {

Split numbered_split(std::int64_t n) {
  // Row i holds the value i in Y, and one-hot letters from i in X, so rows can be traced.
  at::Tensor x = torch::one_hot(torch::arange(n).remainder(4).unsqueeze(1).repeat({1, 6}), 4)
                     .permute({0, 2, 1})
                     .to(torch::kUInt8)
                     .contiguous();
  return {x, torch::arange(n, torch::kFloat32).unsqueeze(1)};
}

}  // namespace

TEST_CASE("batches: evaluation keeps the split's order, with a smaller last batch", "[data]") {
  const BatchLoader loader(numbered_split(10), 4, false, 0);
  CHECK(loader.size() == 3);
  std::vector<float> seen;
  std::int64_t batches = 0;
  for (const Batch& batch : loader.epoch(0)) {
    CHECK(batch.x.scalar_type() == torch::kFloat32);
    CHECK(batch.y.scalar_type() == torch::kFloat32);
    CHECK(batch.x.size(0) == (batches < 2 ? 4 : 2));
    for (std::int64_t i = 0; i < batch.y.size(0); ++i) seen.push_back(batch.y[i][0].item<float>());
    ++batches;
  }
  CHECK(batches == 3);
  CHECK(seen == std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(loader.order(0) == loader.order(5));
}

TEST_CASE("batches: the shuffle is a pure function of seed and epoch", "[data]") {
  const Split split = numbered_split(50);
  const BatchLoader a(split, 8, true, 42);
  const BatchLoader b(split, 8, true, 42);
  const BatchLoader c(split, 8, true, 43);
  CHECK(a.order(3) == b.order(3));  // a resumed run sees the same order
  CHECK(a.order(3) != a.order(4));
  CHECK(a.order(3) != c.order(3));
  // Every row exactly once per epoch, X and Y rows kept together.
  std::set<std::int64_t> rows;
  for (const Batch& batch : a.epoch(3)) {
    for (std::int64_t i = 0; i < batch.y.size(0); ++i) {
      const auto row = static_cast<std::int64_t>(batch.y[i][0].item<float>());
      CHECK(batch.index[i].item<std::int64_t>() == row);
      CHECK(batch.x[i].argmax(0)[0].item<std::int64_t>() == row % 4);
      rows.insert(row);
    }
  }
  CHECK(rows.size() == 50);
  const Batch second = a.batch(3, 1);
  CHECK(second.index[0].item<std::int64_t>() == a.order(3)[8]);
}

TEST_CASE("batches: a batch is a copy, changing it leaves the dataset alone", "[data]") {
  Split split = numbered_split(6);
  split.x = split.x.to(torch::kFloat32);
  const BatchLoader loader(split, 3, false, 0);
  Batch batch = loader.batch(0, 0);
  batch.x.fill_(7);
  CHECK(split.x.max().item<float>() == 1.f);
  CHECK_THROWS_AS(BatchLoader(split, 0, false, 0), Error);
}

TEST_CASE("batches: CUDA transfer through pinned memory", "[data]") {
  if (!torch::cuda::is_available()) EVOAUG_SKIP("CUDA not available");
  const BatchLoader loader(numbered_split(20), 8, true, 1, torch::Device(torch::kCUDA));
  std::int64_t total = 0;
  for (const Batch& batch : loader.epoch(0)) {
    CHECK(batch.x.is_cuda());
    CHECK(batch.y.is_cuda());
    CHECK(batch.x.scalar_type() == torch::kFloat32);
    total += batch.x.size(0);
    CHECK(torch::equal(batch.x.sum(1).cpu(), torch::ones({batch.x.size(0), 6})));
  }
  CHECK(total == 20);
}

TEST_CASE("batches: the ranks' shares of an epoch are the single-process epoch, without overlap", "[data]") {
  // 53 rows in batches of 8 (the last one 5), over 1, 2 and 3 ranks.
  const BatchLoader loader(numbered_split(53), 8, true, 9);
  const auto epoch = loader.epoch(2);
  for (int parts : {1, 2, 3}) {
    for (std::int64_t b = 0; b < loader.size(); ++b) {
      const Batch whole = epoch.batch(b);
      std::vector<at::Tensor> pieces;
      std::int64_t smallest = whole.index.size(0), largest = 0;
      for (int part = 0; part < parts; ++part) {
        const Batch piece = epoch.batch(b, part, parts);
        pieces.push_back(piece.index);
        smallest = std::min(smallest, piece.index.size(0));
        largest = std::max(largest, piece.index.size(0));
        CHECK(torch::equal(piece.y.squeeze(1).to(torch::kInt64), piece.index));
      }
      // In rank order the pieces are the batch, row for row: no row twice, none left out.
      CHECK(torch::equal(torch::cat(pieces), whole.index));
      CHECK(largest - smallest <= 1);
    }
  }
  CHECK(BatchLoader::share_of(5, 2, 3).first == 3);
  CHECK(BatchLoader::share_of(5, 2, 3).size == 2);
}
