// What `evoaug data inspect FILE` prints: a data file read whole, as a run reads it, and
// described per split (sequences, length, N content, label statistics per task).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace evoaug {

struct DataInspectOptions {
  /// FASTA only: the label table (TSV, one row per sequence id); empty: no labels.
  std::filesystem::path labels;
  std::string n_policy = "drop";        ///< FASTA: drop, uniform or zero (docs/data.md)
  std::string length_policy = "error";  ///< FASTA: error, pad, trim or pad_or_trim
  std::int64_t length = 0;              ///< FASTA: target length; 0 = from the data
  std::string axis_order;               ///< HDF5: "" (from the shapes) or as [data] axis_order
};

/// The description of `file` (HDF5 or FASTA, told apart by content) as a few lines and a
/// table per split. Throws Error naming the file for a missing, empty or unreadable one,
/// and for `labels` given with an HDF5 file.
std::string inspect_data_file(const std::filesystem::path& file, const DataInspectOptions& options = {});

}  // namespace evoaug
