// What a run leaves in output_dir besides checkpoints: report.json (test metrics per
// stage, and how the run went) and metrics.csv (one row per epoch). docs/outputs.md
// describes both formats.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "evoaug/training_results.h"
#include "evoaug/sdk/model.h"

namespace evoaug {

/// The header line of metrics.csv for a model of `kind` (ends with a newline).
std::string metrics_csv_header(sdk::OutputKind kind);
/// One row of metrics.csv (ends with a newline). NaN is written as "nan".
std::string metrics_csv_row(const EpochSummary& epoch, sdk::OutputKind kind);

/// Everything report.json holds.
struct ReportContents {
  RunResult result;
  std::string source;              ///< the pipeline file
  int threads = 0;
  double wall_seconds = 0.0;
  std::vector<std::pair<std::string, std::string>> components;  ///< name, version
  std::string configuration_json;  ///< the resolved configuration, already JSON
};

/// report.json's text: indented JSON with NaN and infinities written as null.
std::string report_json(const ReportContents& report);

/// The stages a report.json text holds ("pretrain", "finetune"), in its order; nullopt
/// when the text is not a report as report_json() writes it (then nothing is known).
std::optional<std::vector<std::string>> report_stages(const std::string& json);

}  // namespace evoaug
