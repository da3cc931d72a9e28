// What a sweep's runs left, gathered: sweep.csv (one row per run), summary.csv (mean and
// sd over seeds per setting, paired comparison with the baseline) and report.html.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sweep/sweep_points.h"
#include "sweep/sweep_stats.h"

namespace evoaug {

/// The file a point's folder holds once its run ended without an error (written by the
/// sweep, or by the Slurm script after `evoaug run` succeeded).
inline constexpr const char* kPointDoneMarker = "sweep-point.done";

/// One point's run, as its report.json tells it.
struct RunRecord {
  SweepPoint point;
  bool finished = false;
  std::vector<std::string> stages;                              ///< in the report's order
  std::map<std::string, std::map<std::string, double>> test;    ///< stage -> mean test metric -> value
  std::map<std::string, int> epochs;                            ///< stage -> epochs run
  double wall_seconds = 0.0;
};

/// Reads `out_dir`/<point name>/report.json of each finished point.
std::vector<RunRecord> collect_runs(const std::vector<SweepPoint>& points, const std::filesystem::path& out_dir);

struct SummaryRow {
  std::string setting;
  std::vector<std::string> labels;  ///< per setting axis
  bool baseline = false;
  int runs = 0;
  double mean = 0.0, sd = 0.0;
  PairedTest versus_baseline;       ///< paired over the seeds both ran
};

struct SweepSummary {
  std::string stage, metric;               ///< what is compared
  std::vector<std::string> axes;           ///< the setting axes' keys (all but the seed)
  std::vector<std::size_t> axis_indices;   ///< their indices in SweepFile::axes
  std::vector<SummaryRow> rows;            ///< one per setting, in the points' order
  int baseline_row = -1;
};

/// The summary of the finished runs. The metric is the file's, else of the first finished
/// run's last stage: auroc, else pearson, else its first.
SweepSummary summarize(const SweepFile& sweep, const std::vector<RunRecord>& runs);

std::string sweep_csv(const SweepFile& sweep, const std::vector<RunRecord>& runs);
std::string summary_csv(const SweepSummary& summary);
std::string sweep_report_html(const SweepFile& sweep, const std::vector<RunRecord>& runs, const SweepSummary& summary);

/// Collects and writes sweep.csv, summary.csv and report.html in `out_dir` (atomically);
/// returns how many points have finished.
std::size_t write_sweep_results(const SweepFile& sweep, const std::vector<SweepPoint>& points,
                                const std::filesystem::path& out_dir);

}  // namespace evoaug
