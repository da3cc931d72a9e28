// report.html of a run: one self-contained page read at a glance, made from the
// report.json and metrics.csv of the run's output folder (docs/outputs.md).
#pragma once

#include <filesystem>
#include <string>

namespace evoaug {

/// The page's HTML from the texts of report.json and metrics.csv (which may be empty:
/// then no curves). `source_name` names report.json in errors. Throws Error when the
/// report is not JSON.
std::string run_report_html(const std::string& report_json, const std::string& metrics_csv,
                            const std::string& source_name);

/// Reads `run_dir`/report.json and metrics.csv and writes `run_dir`/report.html
/// atomically; returns its path. Throws Error naming the folder when it holds no
/// report.json.
std::filesystem::path write_run_report(const std::filesystem::path& run_dir);

}  // namespace evoaug
