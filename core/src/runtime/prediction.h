// What `predict` reads and writes: the sequences of a FASTA file (or the test split of an
// HDF5 file in the paper's layout) checked against the model's input, and the TSV of
// predictions (one row per sequence: id, then one column per task).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace evoaug {

struct PredictionInput {
  std::vector<std::string> ids;  ///< FASTA ids, or test_0, test_1, ... for HDF5
  at::Tensor x;                  ///< (N, alphabet, length), one-hot
};

/// Reads `input` and refuses, naming the file (and line), sequences whose shape is not
/// (`alphabet`, `length`), or a file without sequences.
PredictionInput read_prediction_input(const std::filesystem::path& input, std::int64_t alphabet,
                                      std::int64_t length);

/// The TSV text: a header "id<TAB>task..." (task_N where `task_names` runs short), then
/// one row per id with `outputs` (N, T) to 6 significant digits.
std::string predictions_tsv(const std::vector<std::string>& ids, const at::Tensor& outputs,
                            const std::vector<std::string>& task_names);

}  // namespace evoaug
