// Attribution maps (evoaug attribute): which nucleotides a model's output depends on.
// The methods work on any differentiable function of one-hot input, so that they are
// tested on hand-set models and run unchanged on a checkpoint's model.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace evoaug::analysis {

/// One-hot (N, 4, L) to outputs (N, T), differentiable in its input.
using ForwardFn = std::function<at::Tensor(const at::Tensor&)>;

enum class AttributionMethod { saliency, input_x_gradient, ism, gradient_shap };

/// "saliency" | "input_x_gradient" | "ism" | "gradient_shap"; an Error listing them else.
AttributionMethod parse_attribution_method(const std::string& name);
std::string attribution_method_name(AttributionMethod method);
const std::vector<std::string>& attribution_method_names();

struct AttributionOptions {
  AttributionMethod method = AttributionMethod::saliency;
  std::int64_t task = 0;               ///< the output column explained
  bool correct = true;                 ///< Majdandzic et al.'s gradient correction (gradient methods)
  std::int64_t references = 1000;      ///< GradientSHAP: random DNA references per sequence
  std::int64_t batch_size = 128;       ///< sequences (or mutants, references) per forward pass
  std::uint64_t seed = 1;              ///< GradientSHAP's references and interpolation points
};

/// Majdandzic et al. (2023): at each position, subtract the mean over the A channels, which
/// removes the gradient's component that points off the simplex of one-hot inputs.
/// (N, A, L) or (A, L); each position's values then sum to zero.
at::Tensor correct_gradients(const at::Tensor& gradients);

/// d output[:, task] / d x, (N, A, L), float32 on the CPU.
at::Tensor input_gradients(const ForwardFn& forward, const at::Tensor& x, std::int64_t task,
                           std::int64_t batch_size);

/// In-silico mutagenesis: map[n, a, l] = f(x_n with position l set to nucleotide a) - f(x_n)
/// for output `task`; 0 at the observed nucleotide. Every mutant is evaluated, batched.
at::Tensor in_silico_mutagenesis(const ForwardFn& forward, const at::Tensor& x, std::int64_t task,
                                 std::int64_t batch_size);

/// GradientSHAP (expected gradients): references are uniform random one-hot DNA; for each,
/// a point drawn uniformly on the line from the reference to x; the attribution is the
/// mean over references of gradient(point) x (x - reference). Its sum over the sequence
/// approaches f(x) - mean f(reference) (completeness) as references grow.
at::Tensor gradient_shap(const ForwardFn& forward, const at::Tensor& x, const AttributionOptions& options);

/// The map of `options.method` for every sequence of `x` (N, A, L): float32 (N, A, L).
at::Tensor attribute(const ForwardFn& forward, const at::Tensor& x, const AttributionOptions& options);

}  // namespace evoaug::analysis
