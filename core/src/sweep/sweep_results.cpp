#include "sweep/sweep_results.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "evoaug/error.h"
#include "report/json_value.h"
#include "util/file_safety.h"

namespace evoaug {
namespace {

namespace fs = std::filesystem;

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string number(double v) {
  if (std::isnan(v)) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void append_row(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
  out += "\n";
}

}  // namespace

std::vector<RunRecord> collect_runs(const std::vector<SweepPoint>& points, const fs::path& out_dir) {
  std::vector<RunRecord> runs;
  for (const auto& point : points) {
    RunRecord r;
    r.point = point;
    const fs::path dir = out_dir / point.name;
    std::error_code ec;
    if (fs::exists(dir / kPointDoneMarker, ec) && fs::exists(dir / "report.json", ec)) {
      const JsonValue report = parse_json(read_all(dir / "report.json"), (dir / "report.json").string());
      r.finished = true;
      r.wall_seconds = report.find("wall_seconds") ? report.find("wall_seconds")->as_number() : NAN;
      if (const JsonValue* stages = report.find("stages"))
        for (const auto& [stage, s] : stages->members) {
          r.stages.push_back(stage);
          if (const JsonValue* e = s.find("epochs_run")) r.epochs[stage] = static_cast<int>(e->as_number());
          if (const JsonValue* mean = s.at({"test", "mean"}))
            for (const auto& [metric, v] : mean->members) r.test[stage][metric] = v.as_number();
          if (const JsonValue* loss = s.at({"test", "loss"})) r.test[stage]["loss"] = loss->as_number();
        }
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

SweepSummary summarize(const SweepFile& sweep, const std::vector<RunRecord>& runs) {
  SweepSummary summary;
  for (std::size_t a = 0; a < sweep.axes.size(); ++a)
    if (sweep.axes[a].key != kSeedAxis) {
      summary.axes.push_back(sweep.axes[a].key);
      summary.axis_indices.push_back(a);
    }
  summary.stage = sweep.stage;
  summary.metric = sweep.metric;
  for (const auto& r : runs) {
    if (!r.finished || r.stages.empty()) continue;
    if (summary.stage.empty()) summary.stage = r.stages.back();
    if (summary.metric.empty()) {
      const auto& metrics = r.test.count(summary.stage) ? r.test.at(summary.stage) : std::map<std::string, double>{};
      for (const char* preferred : {"auroc", "pearson"})
        if (summary.metric.empty() && metrics.count(preferred)) summary.metric = preferred;
      for (const auto& [name, unused] : metrics)
        if (summary.metric.empty() && name != "loss") summary.metric = name;
    }
    break;
  }
  auto value_of = [&](const RunRecord& r) -> double {
    auto stage = r.test.find(summary.stage);
    if (!r.finished || stage == r.test.end()) return NAN;
    auto metric = stage->second.find(summary.metric);
    return metric == stage->second.end() ? NAN : metric->second;
  };

  // Settings in the points' order; per setting, its value for each seed.
  std::vector<std::map<std::string, double>> by_seed;
  for (const auto& r : runs) {
    auto row = std::find_if(summary.rows.begin(), summary.rows.end(),
                            [&](const SummaryRow& s) { return s.setting == r.point.setting; });
    if (row == summary.rows.end()) {
      SummaryRow s;
      s.setting = r.point.setting;
      for (std::size_t a : summary.axis_indices) s.labels.push_back(r.point.labels[a]);
      s.baseline = is_baseline(sweep, r.point);
      summary.rows.push_back(s);
      by_seed.emplace_back();
      row = summary.rows.end() - 1;
    }
    const double v = value_of(r);
    if (std::isfinite(v)) by_seed[static_cast<std::size_t>(row - summary.rows.begin())][r.point.seed] = v;
  }
  for (std::size_t i = 0; i < summary.rows.size(); ++i)
    if (summary.rows[i].baseline && summary.baseline_row < 0) summary.baseline_row = static_cast<int>(i);
  for (std::size_t i = 0; i < summary.rows.size(); ++i) {
    auto& row = summary.rows[i];
    std::vector<double> values;
    for (const auto& [seed, v] : by_seed[i]) values.push_back(v);
    row.runs = static_cast<int>(values.size());
    row.mean = mean_of(values);
    row.sd = sd_of(values);
    // The baseline is what the others are compared with, not a comparison itself.
    if (summary.baseline_row >= 0 && static_cast<int>(i) != summary.baseline_row) {
      std::vector<double> a, b;
      for (const auto& [seed, v] : by_seed[i]) {
        auto base = by_seed[static_cast<std::size_t>(summary.baseline_row)].find(seed);
        if (base == by_seed[static_cast<std::size_t>(summary.baseline_row)].end()) continue;
        a.push_back(v);
        b.push_back(base->second);
      }
      row.versus_baseline = paired_t_test(a, b);
    } else {
      row.versus_baseline = {0, NAN, NAN, NAN};
    }
  }
  return summary;
}

std::string sweep_csv(const SweepFile& sweep, const std::vector<RunRecord>& runs) {
  // The stages and metrics of every finished run, in first-seen order.
  std::vector<std::string> stages;
  std::map<std::string, std::vector<std::string>> metrics;
  for (const auto& r : runs)
    for (const auto& stage : r.stages) {
      if (!r.finished) continue;
      if (std::find(stages.begin(), stages.end(), stage) == stages.end()) stages.push_back(stage);
      if (!r.test.count(stage)) continue;
      for (const auto& [name, unused] : r.test.at(stage))
        if (std::find(metrics[stage].begin(), metrics[stage].end(), name) == metrics[stage].end())
          metrics[stage].push_back(name);
    }
  std::vector<std::string> header{"point", "setting"};
  for (const auto& axis : sweep.axes)
    if (axis.key != kSeedAxis) header.push_back(axis.key);
  header.insert(header.end(), {"seed", "status"});
  for (const auto& stage : stages) {
    header.push_back(stage + "_epochs");
    for (const auto& m : metrics[stage]) header.push_back(stage + "_test_" + m);
  }
  header.push_back("wall_seconds");
  std::string out;
  append_row(out, header);
  for (const auto& r : runs) {
    std::vector<std::string> row{r.point.name, r.point.setting};
    for (std::size_t a = 0; a < sweep.axes.size(); ++a)
      if (sweep.axes[a].key != kSeedAxis) row.push_back(r.point.labels[a]);
    row.push_back(r.point.seed);
    row.push_back(r.finished ? "finished" : "missing");
    for (const auto& stage : stages) {
      row.push_back(r.finished && r.epochs.count(stage) ? std::to_string(r.epochs.at(stage)) : "");
      for (const auto& m : metrics[stage]) {
        const auto s = r.test.find(stage);
        row.push_back(r.finished && s != r.test.end() && s->second.count(m) ? number(s->second.at(m)) : "");
      }
    }
    row.push_back(r.finished ? number(r.wall_seconds) : "");
    append_row(out, row);
  }
  return out;
}

std::string summary_csv(const SweepSummary& s) {
  std::vector<std::string> header{"setting"};
  header.insert(header.end(), s.axes.begin(), s.axes.end());
  const std::string m = s.stage + "_test_" + s.metric;
  header.insert(header.end(), {"baseline", "runs", m + "_mean", m + "_sd", "difference_from_baseline", "pairs",
                               "paired_t", "paired_p"});
  std::string out;
  append_row(out, header);
  for (const auto& row : s.rows) {
    std::vector<std::string> cells{row.setting};
    cells.insert(cells.end(), row.labels.begin(), row.labels.end());
    cells.insert(cells.end(), {row.baseline ? "yes" : "", std::to_string(row.runs), number(row.mean), number(row.sd)});
    if (row.baseline)
      cells.insert(cells.end(), {"", "", "", ""});
    else
      cells.insert(cells.end(), {number(row.versus_baseline.mean_difference), std::to_string(row.versus_baseline.pairs),
                                 number(row.versus_baseline.t), number(row.versus_baseline.p)});
    append_row(out, cells);
  }
  return out;
}

std::size_t write_sweep_results(const SweepFile& sweep, const std::vector<SweepPoint>& points, const fs::path& out_dir) {
  const auto runs = collect_runs(points, out_dir);
  const auto summary = summarize(sweep, runs);
  write_file_atomically(out_dir / "sweep.csv", sweep_csv(sweep, runs));
  write_file_atomically(out_dir / "summary.csv", summary_csv(summary));
  write_file_atomically(out_dir / "report.html", sweep_report_html(sweep, runs, summary));
  std::size_t finished = 0;
  for (const auto& r : runs) finished += r.finished ? 1 : 0;
  return finished;
}

}  // namespace evoaug
