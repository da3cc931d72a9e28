#include "data/batches.h"

#include <torch/torch.h>

#include <numeric>

#include "data/random.h"
#include "evoaug/error.h"

namespace evoaug {

BatchLoader::BatchLoader(Split split, std::int64_t batch_size, bool shuffle, std::uint64_t seed, c10::Device device)
    : split_(std::move(split)), batch_size_(batch_size), shuffle_(shuffle), seed_(seed), device_(device) {
  if (batch_size_ <= 0) throw Error("batch size must be positive, not " + std::to_string(batch_size_));
  if (!split_.x.defined() || !split_.y.defined() || split_.x.size(0) != split_.y.size(0))
    throw Error("BatchLoader: the split needs X and Y with the same number of rows");
}

std::int64_t BatchLoader::size() const { return (split_.size() + batch_size_ - 1) / batch_size_; }

std::vector<std::int64_t> BatchLoader::order(std::int64_t epoch) const {
  if (!shuffle_) {
    std::vector<std::int64_t> identity(static_cast<std::size_t>(split_.size()));
    std::iota(identity.begin(), identity.end(), 0);
    return identity;
  }
  return DataRandom(seed_, "epoch-" + std::to_string(epoch)).permutation(split_.size());
}

BatchLoader::Epoch BatchLoader::epoch(std::int64_t epoch) const {
  return {this, std::make_shared<const std::vector<std::int64_t>>(order(epoch))};
}

Batch BatchLoader::batch(std::int64_t epoch, std::int64_t index) const {
  if (index < 0 || index >= size())
    throw Error("batch " + std::to_string(index) + " does not exist; an epoch has " + std::to_string(size()));
  return make_batch(order(epoch), index);
}

BatchLoader::Share BatchLoader::share_of(std::int64_t count, int part, int parts) {
  const std::int64_t first = count * part / parts, next = count * (part + 1) / parts;
  return {first, next - first};
}

Batch BatchLoader::make_batch(const std::vector<std::int64_t>& order, std::int64_t index, int part, int parts) const {
  const std::int64_t whole = std::min(batch_size_, split_.size() - index * batch_size_);
  const Share share = share_of(whole, part, parts);
  const std::int64_t start = index * batch_size_ + share.first;
  const std::int64_t count = share.size;
  Batch batch;
  at::Tensor x, y;
  if (shuffle_) {
    batch.index = torch::from_blob(const_cast<std::int64_t*>(order.data()) + start, {count}, torch::kInt64).clone();
    x = split_.x.index_select(0, batch.index);
    y = split_.y.index_select(0, batch.index);
  } else {
    batch.index = torch::arange(start, start + count, torch::kInt64);
    // Copies, so that nothing done to a batch can reach the dataset.
    x = split_.x.narrow(0, start, count).clone();
    y = split_.y.narrow(0, start, count).clone();
  }
  if (device_.is_cuda()) {
    // uint8 crosses the bus (4x less than float32) and is widened on the device.
    batch.x = x.pin_memory().to(device_, /*non_blocking=*/true).to(torch::kFloat32);
    batch.y = y.to(torch::kFloat32).pin_memory().to(device_, /*non_blocking=*/true);
  } else {
    batch.x = x.to(device_, torch::kFloat32);
    batch.y = y.to(device_, torch::kFloat32);
  }
  return batch;
}

}  // namespace evoaug
