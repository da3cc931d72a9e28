// The stochastic augmentation pipeline of the paper's first training stage: per
// sequence, draw a subset of the configured ops (hard: exactly max_augs_per_seq; soft:
// uniform in 1..max) without replacement and apply them in priority order.
//
// Each op runs once per batch, over the rows that drew it (grouped by their current
// length), on the batch's device. Rows that end shorter than output_length() (they
// skipped a length-changing op such as insertion) get random DNA at 3', after all their
// other ops, as in the reference implementation. See docs/augmentations.md.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "evoaug/sdk/augmentation.h"

namespace evoaug {

/// One configured op: the component, its name and its effective priority.
struct AugmentOp {
  std::string name;
  int priority = 0;
  /// The op built for the pipeline's input length L.
  std::shared_ptr<sdk::Augmentation> augmentation;
  /// Builds the op for another input length: an op that runs after a length-changing
  /// op meets longer sequences, and an Augmentation is built for one length. When
  /// empty, `augmentation` is used for every length it meets.
  std::function<std::shared_ptr<sdk::Augmentation>(std::int64_t length)> make_for_length;
};

/// How many ops each sequence draws.
enum class AugmentMode { hard, soft };

struct AugmentSettings {
  int max_augs_per_seq = 1;
  AugmentMode mode = AugmentMode::hard;
  bool inference_aug = false;  ///< augment at evaluation too (else: padding only)
};

class AugmentPipeline {
 public:
  /// An identity pipeline for sequences of `input` shape.
  explicit AugmentPipeline(sdk::SequenceShape input);
  /// `ops` are sorted by priority here (ties keep their configured order). Throws Error
  /// when max_augs_per_seq is not in 1..ops.size() (unless there are no ops: identity)
  /// or there are more than 64 ops.
  AugmentPipeline(std::vector<AugmentOp> ops, AugmentSettings settings, sdk::SequenceShape input);

  /// Training-time augmentation of a (N, A, L) batch: (N, A, output_length()).
  at::Tensor augment(const at::Tensor& batch, at::Generator& generator) const;
  /// Fine-tuning and evaluation: no augmentation, random DNA at 3' up to
  /// output_length() (the paper's Evaluation section). Identity when no op grows L.
  at::Tensor pad(const at::Tensor& batch, at::Generator& generator) const;
  /// What evaluation uses: augment() when inference_aug, else pad().
  at::Tensor for_evaluation(const at::Tensor& batch, at::Generator& generator) const;

  std::int64_t input_length() const;
  /// L plus the growth of every configured length-changing op (all of them applied in
  /// priority order: the longest length a row can reach).
  std::int64_t output_length() const;
  bool empty() const;
  const std::vector<AugmentOp>& ops() const;
  const AugmentSettings& settings() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

/// A generator for `device` seeded with `seed` (CPU or CUDA), independent of the
/// global one, so that a seed reproduces a run.
at::Generator make_generator(c10::Device device, std::uint64_t seed);

}  // namespace evoaug
