// Mini-batches of a split: a seeded shuffle per epoch (a pure function of seed and epoch,
// so a resumed run sees the same order), float32 tensors on the training device. On CUDA,
// sequences travel as uint8 through pinned memory with non-blocking copies and become
// float32 on the device.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "evoaug/dataset.h"

namespace evoaug {

struct Batch {
  at::Tensor x;      ///< (B, A, L) float32 on the loader's device
  at::Tensor y;      ///< (B, T) float32 on the loader's device
  at::Tensor index;  ///< (B,) int64 rows of the split, on the CPU
};

class BatchLoader {
 public:
  /// `shuffle` = false keeps the split's order (evaluation); true draws a new order
  /// every epoch from (`seed`, epoch). The last batch may be smaller.
  BatchLoader(Split split, std::int64_t batch_size, bool shuffle, std::uint64_t seed,
              c10::Device device = c10::Device(c10::kCPU));

  /// Batches per epoch.
  std::int64_t size() const;
  std::int64_t num_sequences() const { return split_.size(); }
  std::int64_t batch_size() const { return batch_size_; }
  const c10::Device& device() const { return device_; }

  /// The order of the split's rows in `epoch` (the identity without shuffling).
  std::vector<std::int64_t> order(std::int64_t epoch) const;
  /// Batch number `index` (0-based) of `epoch`.
  Batch batch(std::int64_t epoch, std::int64_t index) const;

  /// The rows of a batch of `count` that part `part` of `parts` takes in a data-parallel
  /// run: [first, first + size), as even as can be (parts differ by one row at most).
  struct Share {
    std::int64_t first = 0, size = 0;
  };
  static Share share_of(std::int64_t count, int part, int parts);

  class Iterator;
  class Epoch;
  /// For range-for: `for (const Batch& b : loader.epoch(e))`.
  Epoch epoch(std::int64_t epoch) const;

 private:
  Batch make_batch(const std::vector<std::int64_t>& order, std::int64_t index, int part = 0, int parts = 1) const;

  Split split_;
  std::int64_t batch_size_;
  bool shuffle_;
  std::uint64_t seed_;
  c10::Device device_;
};

class BatchLoader::Iterator {
 public:
  Iterator(const BatchLoader* loader, std::shared_ptr<const std::vector<std::int64_t>> order, std::int64_t index)
      : loader_(loader), order_(std::move(order)), index_(index) {}
  Batch operator*() const { return loader_->make_batch(*order_, index_); }
  Iterator& operator++() {
    ++index_;
    return *this;
  }
  bool operator!=(const Iterator& other) const { return index_ != other.index_; }

 private:
  const BatchLoader* loader_;
  std::shared_ptr<const std::vector<std::int64_t>> order_;
  std::int64_t index_;
};

class BatchLoader::Epoch {
 public:
  Epoch(const BatchLoader* loader, std::shared_ptr<const std::vector<std::int64_t>> order)
      : loader_(loader), order_(std::move(order)) {}
  Iterator begin() const { return {loader_, order_, 0}; }
  Iterator end() const { return {loader_, order_, loader_->size()}; }
  /// Batch number `index` (0-based) of this epoch, in any order, from any thread.
  Batch batch(std::int64_t index) const { return loader_->make_batch(*order_, index); }
  /// Part `part` of `parts` of that batch (share_of): the union of the parts is the batch.
  Batch batch(std::int64_t index, int part, int parts) const { return loader_->make_batch(*order_, index, part, parts); }

 private:
  const BatchLoader* loader_;
  std::shared_ptr<const std::vector<std::int64_t>> order_;
};

}  // namespace evoaug
