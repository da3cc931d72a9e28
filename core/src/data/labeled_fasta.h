// Sequences from FASTA with labels from a TSV file (sequence id, then one column per task),
// matched by id, with the N and length policies applied.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/fasta.h"

namespace evoaug {

/// What to do with sequences whose length differs from the others (or from `length`).
///   error:       they are an error (the default)
///   pad:         shorter ones are centred in zero columns up to the target length
///   trim:        longer ones are cut around their centre down to the target length
///   pad_or_trim: both (needs an explicit target length)
enum class LengthPolicy { error, pad, trim, pad_or_trim };
/// "error" | "pad" | "trim" | "pad_or_trim".
LengthPolicy parse_length_policy(const std::string& text);

/// A label file: a header line `id<TAB>task_a<TAB>task_b...` (the first column's name is
/// free), then one line per sequence. Plain or gzip.
struct LabelTable {
  std::vector<std::string> task_names;
  std::vector<std::string> ids;
  std::vector<std::size_t> lines;  ///< line of each row, for messages
  at::Tensor values;               ///< (rows, T) float32, all finite
};

/// Reads and checks a label file: every row has 1 + T fields, every value is a finite
/// number, ids are unique. Errors name the file and line.
LabelTable read_label_table(const std::filesystem::path& file);
/// Only the task names (the header line).
std::vector<std::string> read_label_header(const std::filesystem::path& file);

struct FastaDataOptions {
  NPolicy n_policy = NPolicy::drop;
  LengthPolicy length_policy = LengthPolicy::error;
  std::int64_t length = 0;  ///< target length; 0 = from the data (longest for pad, shortest for trim)
};

/// The sequence length L that read_labeled_fasta gives `fasta` with `options`, read
/// without keeping the sequences: `length` when set, else the longest sequence (pad),
/// the shortest (trim) or the first (error). Only pad and trim without `length` read the
/// whole file; the others stop after the first record. Throws Error as
/// read_labeled_fasta does for an empty file and for pad_or_trim without `length`.
std::int64_t fasta_target_length(const std::filesystem::path& fasta, const FastaDataOptions& options = {});

struct LabeledSequences {
  at::Tensor x;  ///< (N, 4, L): uint8 unless an N is encoded as 0.25 (then float32)
  at::Tensor y;  ///< (N, T) float32; (N, 0) without a label file
  std::vector<std::string> ids;
  std::vector<std::string> task_names;
  std::int64_t dropped_for_n = 0;   ///< sequences removed by the `drop` policy
  std::int64_t n_positions = 0;     ///< N letters kept (policies uniform and zero)
  std::int64_t padded = 0, trimmed = 0;
};

/// Reads `fasta` and, unless `labels` is empty, its labels. Ids must match one to one:
/// duplicates, FASTA ids without labels and label ids without a sequence are errors that
/// list a few of them. The length policy is applied first, then the N policy.
LabeledSequences read_labeled_fasta(const std::filesystem::path& fasta, const std::filesystem::path& labels,
                                    const FastaDataOptions& options = {});

}  // namespace evoaug
