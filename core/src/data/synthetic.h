// The built-in synthetic dataset: random background DNA with planted instances of known
// transcription-factor motifs, labelled by a documented regulatory grammar (docs/data.md).
// It is the quickstart's data and the tests' data: deterministic from a seed, fast (10,000
// sequences of 200 nt in a few milliseconds), with the planted sites kept as ground truth.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace evoaug {

/// A motif of the library: the factor, its consensus in IUPAC letters, and where the
/// consensus comes from.
struct Motif {
  std::string factor;
  std::string consensus;
  std::string source;
};

/// The motif library, in a fixed order (a planted site's `motif` indexes it).
const std::vector<Motif>& synthetic_motifs();
/// Index of `factor` in synthetic_motifs(); throws Error for an unknown name.
int motif_index(const std::string& factor);

/// The position weight matrix (4, width), A/C/G/T rows, that planted instances are drawn
/// from: `fidelity` on the consensus letters (split evenly among an IUPAC code's letters)
/// plus (1 - fidelity) spread uniformly over A, C, G, T.
at::Tensor motif_pwm(const Motif& motif, double fidelity);

enum class SyntheticTask { binary, regression };
/// "binary" | "regression".
SyntheticTask parse_synthetic_task(const std::string& text);

struct SyntheticOptions {
  SyntheticTask task = SyntheticTask::binary;
  std::int64_t num_sequences = 10000;
  std::int64_t length = 200;
  /// How many of the grammar's tasks to keep (the first ones); 0 keeps all of them.
  std::int64_t tasks = 0;
  /// Probability that a sequence holds a site of a given factor (each factor independently).
  double motif_probability = 0.5;
  /// Probability of the consensus letter at each motif position (see motif_pwm).
  double motif_fidelity = 0.97;
  /// GC content of the background.
  double gc_content = 0.42;
  /// binary: fraction of labels flipped after the grammar.
  double label_noise = 0.01;
  /// regression: standard deviation of the Gaussian noise added to each label.
  double noise_std = 0.3;
  /// regression: probability that, when a sequence holds both AP-1 and ETS sites, they
  /// are planted as a composite element (gap of 0..8 nt).
  double composite_probability = 0.5;
  std::uint64_t seed = 0;
};

/// The tasks of a grammar (all of them, before SyntheticOptions::tasks keeps the first k).
std::vector<std::string> synthetic_task_names(SyntheticTask task);

/// One planted motif instance. `start` is the 0-based position of its leftmost base on
/// the forward strand; a `reverse` site reads as the motif on the reverse strand.
struct PlantedSite {
  std::int64_t sequence = 0;
  int motif = 0;
  std::int64_t start = 0;
  bool reverse = false;
};

struct SyntheticData {
  at::Tensor x;        ///< (N, 4, L) uint8 one-hot
  at::Tensor y;        ///< (N, T) float32 labels, with noise
  at::Tensor y_clean;  ///< (N, T) float32: the grammar's value before noise
  std::vector<std::string> task_names;
  std::vector<PlantedSite> sites;  ///< ordered by sequence, then position
};

/// Checks the options as generate_synthetic does, without generating anything: throws
/// ParamError naming the option at fault (e.g. a length too short to hold the motifs).
void check_synthetic_options(const SyntheticOptions& options);

/// Generates the dataset; throws Error naming the option for values that cannot work
/// (e.g. a length too short to hold the motifs).
SyntheticData generate_synthetic(const SyntheticOptions& options);

}  // namespace evoaug
