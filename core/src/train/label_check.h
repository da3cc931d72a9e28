// Labels a loss can take. Binary cross-entropy reads a label as a probability: one
// outside [0, 1] (5, -3, or a regression target) trains towards nonsense and gives
// impossible metrics, so such data are refused before any work.
#pragma once

#include <filesystem>
#include <string>

#include "evoaug/dataset.h"
#include "train/training_step.h"

namespace evoaug {

/// Throws an Error naming the data source, the split, the first offending row (0-based,
/// in the split) and task, and the value, when `loss` is BCE and a label of `split` is not
/// in [0, 1]. `context` says where the loss comes from (e.g. "[pretrain] loss = \"auto\"
/// with model 'chip_cnn'").
/// For FASTA data, whose split rows are a random draw, `label_file` (the TSV) is named
/// instead, at its first line with such a label.
void require_labels_fit_loss(const Split& split, const std::string& split_name, const Dataset& data,
                             LossKind loss, const std::string& context,
                             const std::filesystem::path& label_file = {});

/// The same, for every non-empty split of `data`.
void require_labels_fit_loss(const Dataset& data, LossKind loss, const std::string& context,
                             const std::filesystem::path& label_file = {});

}  // namespace evoaug
