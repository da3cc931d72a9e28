// The Augmentation ABI: what an augmentation plugin implements.
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "evoaug/sdk/error.h"
#include "evoaug/sdk/params.h"

namespace evoaug::sdk {

/// The shape of the sequences a component is built for. The alphabet is one-hot, in
/// the order A, C, G, T when it is DNA (so the complement of channel c is 3 - c).
struct SequenceShape {
  std::int64_t alphabet = 4;  ///< A, the number of channels
  std::int64_t length = 0;    ///< L, the number of positions
};

/// The paper's fixed order for applying several augmentations to one sequence. Lower
/// runs first; a third-party augmentation picks a value between (or around) these.
namespace priority {
constexpr int inversion = 10;
constexpr int deletion = 20;
constexpr int translocation = 30;
constexpr int insertion = 40;
constexpr int reverse_complement = 50;
constexpr int mutation = 60;
constexpr int noise = 70;
}  // namespace priority

/// A stochastic transform of a batch of one-hot sequences.
///
/// An instance is built for one SequenceShape (its factory has already refused
/// parameters that cannot work for it) and may be called from one thread at a time.
class EVOAUG_SDK_VISIBLE Augmentation {
 public:
  virtual ~Augmentation() = default;

  /// Transforms every sequence of `batch` independently, each with its own random
  /// draws. `batch` is a float tensor of shape (N, A, L) on any device, with L the
  /// length this instance was built for; the result has shape (N, A, output_length(L))
  /// on the same device and dtype. All randomness comes from `generator`, which lives
  /// on the batch's device, so the same generator state gives the same output.
  virtual at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const = 0;

  /// Output length for an input of `length` positions. Insertion grows it; the
  /// paper's other augmentations keep it.
  virtual std::int64_t output_length(std::int64_t length) const { return length; }

  /// Whether every output column is exactly one-hot when every input column is.
  /// Gaussian noise is the paper's one augmentation that says false.
  virtual bool keeps_one_hot() const { return true; }
};

/// Builds an augmentation from validated parameters, for sequences of `shape`. Throws
/// ParamError (naming the key) for values that cannot work, e.g. `delete_max >= L`.
using AugmentationFactory =
    std::function<std::unique_ptr<Augmentation>(const Params& params, const SequenceShape& shape)>;

/// What a plugin registers for one augmentation.
struct AugmentationInfo {
  std::string name;              ///< snake_case id used as `type = "..."` in TOML
  std::string version;           ///< the component's own version, e.g. "1.0.0"
  int default_priority = 100;    ///< see evoaug::sdk::priority
  std::string summary;           ///< one line for `evoaug plugins --describe`
  Schema schema;                 ///< its parameters
  AugmentationFactory factory;
};

}  // namespace evoaug::sdk
