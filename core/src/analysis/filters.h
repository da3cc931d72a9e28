// First-layer filters as motifs (evoaug filters): activation-based alignment as in Koo &
// Eddy (2019), the EvoAug paper's filter analysis.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "analysis/motifs.h"

namespace torch::nn {
class Module;
}

namespace evoaug::analysis {

/// First-layer activations (N, F, L') of `model`: its first Conv1d (pre-order over the
/// module tree, i.e. registration order) applied to one-hot `x` (N, 4, L). Also returns
/// the conv's kernel width and left padding. An Error when the model has no Conv1d, or
/// its first one does not take 4 input channels, or has a stride or dilation other than 1.
struct FirstLayer {
  at::Tensor activations;
  std::int64_t width = 0, padding = 0;
};
FirstLayer first_layer_activations(torch::nn::Module& model, const at::Tensor& x, std::int64_t batch_size = 256);

/// One PFM per filter: for filter f, every window of x whose activation exceeds
/// `threshold` x (the filter's maximum activation over all of x), when that maximum is
/// positive; windows reaching into the conv's padding are left out. Counts are turned
/// into frequencies; a filter with no window gets a uniform matrix and sites = 0.
/// Motifs are named filter_0, filter_1, ...
std::vector<Motif> filter_pfms(const FirstLayer& layer, const at::Tensor& x, double threshold);

}  // namespace evoaug::analysis
