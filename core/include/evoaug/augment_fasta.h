// What `evoaug augment` does: a pipeline's training-time augmentations applied to the
// sequences of a FASTA file, written as FASTA, to look at what a model is trained on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "evoaug/plugin_registry.h"

namespace evoaug {

struct AugmentFastaRequest {
  /// A pipeline file; its [augment] table is used (a file with only that table will do),
  /// and its [plugins] are loaded into the registry.
  std::filesystem::path config;
  std::vector<std::string> overrides;  ///< "table.key=value", as after --set
  std::filesystem::path input;         ///< FASTA, every sequence of one length
  std::filesystem::path output;        ///< FASTA; "_augK" is appended to the ids when copies > 1
  std::uint64_t seed = 0;
  std::int64_t copies = 1;             ///< augmented copies of each sequence
  bool replace_existing = false;       ///< else an existing output is an Error
};

/// Writes the augmented sequences and returns the line `evoaug augment` prints. Ops whose
/// output is not one-hot (Gaussian noise) cannot be written as letters: they are left
/// out, with a warning, and a column that is not exactly one-hot is written N.
std::string augment_fasta(PluginRegistry& registry, const AugmentFastaRequest& request);

}  // namespace evoaug
