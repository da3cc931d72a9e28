// The output folder's policy: where a run's files go, what a fresh run may replace, what
// it keeps aside, what it refuses, and what a finished run promises (docs/outputs.md).
// Nothing a user made is removed silently, and a refused run changes nothing.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace evoaug {
namespace sdk {
enum class OutputKind;
}

struct PipelineFile;

/// checkpoints/STAGE-WHICH.pt ("best" or "last") under `output_dir`.
std::filesystem::path checkpoint_path(const std::filesystem::path& output_dir, const std::string& stage,
                                      const std::string& which);

/// What a fresh run may do to an output folder.
struct FolderPolicy {
  bool resume = false;     ///< continue the files there
  bool overwrite = false;  ///< replace the checkpoints and report of the stages it writes
};

/// Decides everything first (what the run would replace, what it keeps aside under a free
/// name, what it refuses) and only then touches the folder. `stages` are those the
/// command writes ("pretrain", "finetune"); `finetune_from` a checkpoint it reads. No
/// output may be one of the run's inputs (that checkpoint, the pipeline file, the data).
void prepare_output_folder(const std::filesystem::path& dir, const std::vector<std::string>& stages,
                           const std::optional<std::filesystem::path>& finetune_from, const PipelineFile& file,
                           FolderPolicy policy);

/// Throws, naming each, when a file a finished run promises is missing (removed while it
/// ran, or lost to a fault the run did not see).
void check_promised_outputs(const std::filesystem::path& dir, const std::vector<std::string>& stages);

/// metrics.csv rows to start a fresh stage with: those of other stages already in the
/// file (a `finetune` after a separate `pretrain` keeps the pretraining rows).
std::string history_before(const std::filesystem::path& metrics_csv, const std::string& stage, sdk::OutputKind kind);

}  // namespace evoaug
