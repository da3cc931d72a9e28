// The built-in synthetic dataset written as a file, as `evoaug synth` writes it: random DNA
// with planted transcription-factor sites and labels from a known grammar (docs/data.md),
// in the paper's HDF5 layout with 0.7/0.1/0.2 random splits, the planted sites of each
// split as ground truth (sites_train, sites_valid, sites_test: sequence, motif, start,
// strand), and optionally the motifs the sites are drawn from as a MEME file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace evoaug {

struct SyntheticFileOptions {
  std::filesystem::path output;       ///< the HDF5 file
  std::filesystem::path motifs_out;   ///< the MEME file of the motifs; empty: none
  std::string task = "binary";        ///< binary (0/1 labels) or regression
  std::int64_t num_sequences = 10000;
  std::int64_t length = 200;
  std::int64_t tasks = 0;             ///< the grammar's first tasks kept; 0: all
  std::uint64_t seed = 0;             ///< the sequences, labels and splits
  bool lower_case_names = false;      ///< x_train, y_train, ... as the paper's ChIP-seq files
  bool channels_last = false;         ///< X stored (N, L, 4)
  /// Replace existing output files; else an existing one is an Error.
  bool replace_existing = false;
};

/// Writes the dataset (and the motifs); returns what `evoaug synth` prints about them.
/// A generator parameter out of range is an sdk::ParamError naming it (num_sequences,
/// length, tasks); an output that exists (without replace_existing) or that is the other
/// output is an Error.
std::string write_synthetic_file(const SyntheticFileOptions& options);

}  // namespace evoaug
