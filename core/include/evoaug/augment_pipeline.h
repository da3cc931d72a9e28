// The stochastic augmentation pipeline of the paper's first training stage: per
// sequence, draw a subset of the configured ops (hard: exactly max_augs_per_seq; soft:
// uniform in 1..max) without replacement and apply them in priority order.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "evoaug/sdk/augmentation.h"

namespace evoaug {

/// One configured op: the component, its name and its effective priority.
struct AugmentOp {
  std::string name;
  int priority = 0;
  std::shared_ptr<sdk::Augmentation> augmentation;
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
  /// `ops` are sorted by priority here (ties keep their configured order).
  AugmentPipeline(std::vector<AugmentOp> ops, AugmentSettings settings, sdk::SequenceShape input);

  /// Training-time augmentation of a (N, A, L) batch: (N, A, output_length()).
  at::Tensor augment(const at::Tensor& batch, at::Generator& generator) const;
  /// Fine-tuning and evaluation: no augmentation, random DNA at 3' up to
  /// output_length() (the paper's Evaluation section). Identity when no op grows L.
  at::Tensor pad(const at::Tensor& batch, at::Generator& generator) const;
  /// What evaluation uses: augment() when inference_aug, else pad().
  at::Tensor for_evaluation(const at::Tensor& batch, at::Generator& generator) const;

  std::int64_t input_length() const;
  /// L plus the growth of every configured length-changing op.
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
