// Datasets: one-hot sequences and their labels, split into train/valid/test.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace evoaug {

/// One split. `x` is (N, A, L), float32 or uint8 (exact one-hot data is kept as uint8
/// to save memory: Basset's training split is 1 GB as uint8, 4 GB as float32); `y`
/// is (N, T) float32. Batches are converted to float32 on their way to the device.
struct Split {
  at::Tensor x;
  at::Tensor y;
  std::int64_t size() const { return x.defined() ? x.size(0) : 0; }
};

struct Dataset {
  Split train, valid, test;
  std::vector<std::string> task_names;  ///< T names ("task_0".. when the source has none)
  std::string source;                   ///< where it came from, for reports and logs

  std::int64_t alphabet() const { return train.x.size(1); }
  std::int64_t length() const { return train.x.size(2); }
  std::int64_t tasks() const { return train.y.size(1); }
};

/// What `evoaug check` needs without loading data: the shape of the sequences and the
/// number of tasks, read from a file's header or the [data] table.
struct DataHeader {
  std::int64_t alphabet = 4;
  std::int64_t length = 0;
  std::int64_t tasks = 0;
  std::vector<std::string> task_names;
  std::string source;
  bool has_source = true;  ///< false when [data] gives only length and tasks: nothing to load
};

}  // namespace evoaug
