#include "runtime/output_folder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "data/data_config.h"
#include "evoaug/error.h"
#include "pipeline/pipeline_file.h"
#include "train/report.h"
#include "util/file_safety.h"
#include "util/suggest.h"

namespace evoaug {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The first of NAME.EXT, NAME-2.EXT, NAME-3.EXT, ... in `dir` that is free: where a file
// that must not be lost is kept aside.
fs::path free_name(const fs::path& dir, const std::string& name, const std::string& ext) {
  fs::path candidate = dir / (name + ext);
  for (int n = 2; fs::exists(fs::symlink_status(candidate)); ++n)
    candidate = dir / (name + "-" + std::to_string(n) + ext);
  return candidate;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// No file the run writes may be one it reads: the fine-tuning's starting checkpoint,
// the pipeline file, the data.
void refuse_outputs_over_inputs(const fs::path& dir, const std::vector<fs::path>& written,
                                const std::optional<fs::path>& finetune_from, const PipelineFile& file) {
  if (finetune_from)
    for (const auto& file : written)
      if (same_file(file, *finetune_from))
        throw Error("cannot fine-tune from '" + finetune_from->string() + "': this run writes " +
                    file.string() + " and would replace it. Copy it elsewhere first, or set another output " +
                    "folder with --set runtime.output_dir=DIR.");
  std::vector<NamedPath> inputs = data_files(file);
  if (fs::exists(file.source_name)) inputs.push_back({"pipeline", file.source_name});
  for (const auto& file : written)
    for (const auto& input : inputs)
      if (same_file(file, input.path))
        throw Error("output folder '" + dir.string() + "': this run writes " + file.string() +
                    ", which is the " + input.what + " file '" + input.path.string() +
                    "' it reads. Set another output folder with --set runtime.output_dir=DIR.");
}

}  // namespace

std::string history_before(const fs::path& metrics_csv, const std::string& stage, sdk::OutputKind kind) {
  const std::string header = metrics_csv_header(kind);
  std::string out = header;
  std::istringstream in(read_text(metrics_csv));
  std::string line;
  if (!std::getline(in, line) || line + "\n" != header) return header;
  while (std::getline(in, line))
    if (!line.empty() && line.rfind(stage + ",", 0) != 0 && line.rfind("finetune,", 0) != 0) out += line + "\n";
  return out;
}

fs::path checkpoint_path(const fs::path& output_dir, const std::string& stage, const std::string& which) {
  return output_dir / "checkpoints" / (stage + "-" + which + ".pt");
}

// Decides everything first (what the run would replace, what it keeps aside, what it
// refuses) and only then touches the folder, so that a refused run changes nothing.
// Nothing a user made is removed silently: a fresh start replaces the checkpoints of the
// stages it writes, and a report of those stages only, when told to (--overwrite); the
// results of a stage it does not write are never replaced.
void prepare_output_folder(const fs::path& dir, const std::vector<std::string>& stages,
                           const std::optional<fs::path>& finetune_from, const PipelineFile& file,
                           FolderPolicy policy) {
  if (stages.empty()) return;
  const fs::path report = dir / "report.json";
  const fs::path metrics = dir / "metrics.csv";
  const std::string command = stages.size() == 2 ? "run" : stages.front();

  std::vector<fs::path> checkpoints, written = {report, metrics};
  for (const auto& stage : stages)
    for (const char* which : {"best", "last"}) checkpoints.push_back(checkpoint_path(dir, stage, which));
  written.insert(written.end(), checkpoints.begin(), checkpoints.end());
  refuse_outputs_over_inputs(dir, written, finetune_from, file);

  // A report that holds a stage this command does not run (or that cannot be read) is
  // kept aside under a free name; a report of its own stages is replaced.
  bool report_kept_aside = false, report_replaced = false;
  if (fs::exists(report)) {
    const auto held = report_stages(read_text(report));
    const bool own = held && std::all_of(held->begin(), held->end(),
                                         [&](const std::string& stage) { return contains(stages, stage); });
    report_kept_aside = !own;
    report_replaced = own && !policy.resume;
  }
  // A fresh pretraining starts metrics.csv over, dropping the fine-tuning rows too; when
  // it keeps the fine-tuning checkpoints (pretrain only), those rows are kept aside.
  const bool metrics_kept_aside = !policy.resume && command == "pretrain" && fs::exists(metrics) &&
                                  read_text(metrics).find("\nfinetune,") != std::string::npos;

  std::vector<fs::path> replaced;
  if (!policy.resume)
    for (const auto& file : checkpoints)
      if (fs::exists(file)) replaced.push_back(file);
  if (report_replaced) replaced.push_back(report);
  std::vector<std::string> replaced_names;
  for (const auto& file : replaced) replaced_names.push_back(file.filename().string());
  if (!replaced.empty() && !policy.overwrite)
    throw Error("output folder '" + dir.string() + "' already holds an earlier run (" + join(replaced_names) +
                "). Continue it with --resume, replace it with --overwrite, or choose another folder with "
                "--set runtime.output_dir=DIR.");

  // Decided; now the folder changes.
  if (report_kept_aside) {
    const fs::path kept = free_name(dir, "report.before-" + command, ".json");
    fs::rename(report, kept);
    spdlog::info("the earlier report.json holds results this {} does not write; it is kept as {}", command,
                 kept.string());
  }
  if (metrics_kept_aside) {
    const fs::path kept = free_name(dir, "metrics.before-" + command, ".csv");
    fs::copy_file(metrics, kept);
    spdlog::info("the earlier metrics.csv holds fine-tuning rows; it is kept as {}", kept.string());
  }
  for (const auto& file : replaced) fs::remove(file);
  if (!replaced.empty())
    spdlog::info("--overwrite: removed the earlier run's {} in {}", join(replaced_names), dir.string());
  if (!policy.resume && command == "pretrain")
    for (const char* which : {"best", "last"})
      if (const fs::path kept = checkpoint_path(dir, "finetune", which); fs::exists(kept))
        spdlog::warn("{} is kept: it was fine-tuned from the earlier pretraining, not from this one", kept.string());
  for (const fs::path& folder : {dir, dir / "checkpoints"}) remove_stale_temporaries(folder);
}

// What a command that ends without an error promises (docs/outputs.md). A file removed
// while the run went on, or lost to a fault that the run did not see, fails it by name.
void check_promised_outputs(const fs::path& dir, const std::vector<std::string>& stages) {
  if (stages.empty()) return;
  std::vector<fs::path> promised = {dir / "report.json", dir / "metrics.csv"};
  for (const auto& stage : stages)
    for (const char* which : {"best", "last"}) promised.push_back(checkpoint_path(dir, stage, which));
  std::vector<std::string> missing;
  for (const auto& file : promised)
    if (!fs::exists(file)) missing.push_back(file.string());
  if (!missing.empty())
    throw Error("the run ended, but output(s) it promises are missing: " + join(missing) +
                " (removed while it ran?). Run it again with --overwrite to write them afresh.");
}

}  // namespace evoaug
