// The sweep's report.html: the summary table, and per axis the compared metric against
// the axis' values (mean and sd over the runs with that value), the baseline as a line.
#include <cmath>
#include <cstdio>

#include "report/html_page.h"
#include "report/svg_plot.h"
#include "sweep/sweep_results.h"

namespace evoaug {
namespace {

std::string cell(double v, const char* format = "%.4f") {
  if (std::isnan(v)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

}  // namespace

std::string sweep_report_html(const SweepFile& sweep, const std::vector<RunRecord>& runs, const SweepSummary& s) {
  HtmlPage page("evoaug sweep: " + sweep.path.filename().string());
  std::size_t finished = 0;
  for (const auto& r : runs) finished += r.finished ? 1 : 0;
  page.paragraph("Base pipeline " + sweep.base.string() + "; " + std::to_string(runs.size()) + " points (" + sweep.mode +
                 "), " + std::to_string(finished) + " finished. Compared: the mean test " + s.metric + " of stage " +
                 s.stage + ", mean ± sd over seeds; the difference from the baseline is paired over the seeds both ran "
                 "(t-test).");

  HtmlTable table;
  table.header = {"setting"};
  table.header.insert(table.header.end(), s.axes.begin(), s.axes.end());
  table.header.insert(table.header.end(), {"runs", s.metric + " mean ± sd", "− baseline", "pairs", "t", "p"});
  for (const auto& row : s.rows) {
    std::vector<std::string> cells{row.setting + (row.baseline ? " (baseline)" : "")};
    cells.insert(cells.end(), row.labels.begin(), row.labels.end());
    cells.insert(cells.end(), {std::to_string(row.runs), cell(row.mean) + " ± " + cell(row.sd),
                               row.baseline ? "" : cell(row.versus_baseline.mean_difference, "%+.4f"),
                               row.baseline ? "" : std::to_string(row.versus_baseline.pairs),
                               row.baseline ? "" : cell(row.versus_baseline.t, "%.3g"),
                               row.baseline ? "" : cell(row.versus_baseline.p, "%.3g")});
    table.rows.push_back(cells);
  }
  page.heading("Summary").table(table);

  page.heading("Metric against each axis");
  const double baseline = s.baseline_row >= 0 ? s.rows[static_cast<std::size_t>(s.baseline_row)].mean : NAN;
  for (std::size_t k = 0; k < s.axis_indices.size(); ++k) {
    const SweepAxis& axis = sweep.axes[s.axis_indices[k]];
    PlotSpec plot;
    plot.title = s.metric + " against " + axis.key;
    plot.x_label = axis.key;
    plot.y_label = s.stage + " test " + s.metric;
    plot.x_categories = axis.labels;
    PlotSeries series{"mean ± sd over runs", {}, {}, {}, false, "#1f77b4"};
    for (std::size_t v = 0; v < axis.labels.size(); ++v) {
      std::vector<double> values;
      for (const auto& r : runs) {
        if (!r.finished || r.point.labels[s.axis_indices[k]] != axis.labels[v]) continue;
        auto stage = r.test.find(s.stage);
        if (stage == r.test.end() || !stage->second.count(s.metric)) continue;
        values.push_back(stage->second.at(s.metric));
      }
      series.x.push_back(static_cast<double>(v));
      series.y.push_back(mean_of(values));
      series.error.push_back(sd_of(values));
    }
    plot.series.push_back(series);
    if (std::isfinite(baseline)) plot.horizontal.push_back({baseline, "baseline " + cell(baseline), "#d62728", true});
    page.raw(svg_plot(plot));
  }
  HtmlTable points{{"point", "status", "wall seconds"}, {}};
  for (const auto& r : runs)
    points.rows.push_back({r.point.name, r.finished ? "finished" : "missing", r.finished ? cell(r.wall_seconds, "%.1f") : ""});
  page.heading("Runs").table(points);
  return page.render();
}

}  // namespace evoaug
