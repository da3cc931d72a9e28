#include "evoaug/run_report.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "evoaug/error.h"
#include "report/html_page.h"
#include "report/json_value.h"
#include "report/svg_plot.h"
#include "util/file_safety.h"

namespace evoaug {
namespace {

namespace fs = std::filesystem;

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read '" + file.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::stringstream in(line);
  for (std::string cell; std::getline(in, cell, sep);) out.push_back(cell);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

double to_number(const std::string& text) {
  if (text.empty() || text == "nan") return NAN;
  try {
    return std::stod(text);
  } catch (const std::exception&) {
    return NAN;
  }
}

std::string cell(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}

// metrics.csv as columns per stage, in the stages' order.
struct StageCurves {
  std::string stage;
  std::map<std::string, std::vector<double>> columns;
};

std::vector<StageCurves> read_curves(const std::string& csv) {
  std::vector<StageCurves> out;
  std::istringstream in(csv);
  std::string line;
  if (!std::getline(in, line)) return out;
  const auto header = split(line, ',');
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split(line, ',');
    if (cells.size() != header.size()) continue;
    if (out.empty() || out.back().stage != cells[0]) out.push_back({cells[0], {}});
    for (std::size_t i = 1; i < header.size(); ++i) out.back().columns[header[i]].push_back(to_number(cells[i]));
  }
  return out;
}

// Vertical rules: the best epoch, and each epoch whose learning rate differs from the last.
std::vector<PlotRule> epoch_rules(const StageCurves& c, double best_epoch) {
  std::vector<PlotRule> rules;
  if (std::isfinite(best_epoch)) rules.push_back({best_epoch, "best epoch " + cell(best_epoch).substr(0, cell(best_epoch).find('.')), "#2ca02c", false});
  const auto& epochs = c.columns.at("epoch");
  auto lr = c.columns.find("learning_rate");
  if (lr == c.columns.end()) return rules;
  for (std::size_t i = 1; i < lr->second.size() && i < epochs.size(); ++i)
    if (lr->second[i] != lr->second[i - 1])
      rules.push_back({epochs[i], "learning rate " + cell(lr->second[i - 1]) + " -> " + cell(lr->second[i]), "#999", true});
  return rules;
}

std::string curves_html(const StageCurves& c, double best_epoch) {
  if (!c.columns.count("epoch")) return "";
  const auto& epochs = c.columns.at("epoch");
  PlotSpec loss;
  loss.title = c.stage + ": loss";
  loss.x_label = "epoch";
  loss.y_label = "loss";
  loss.vertical = epoch_rules(c, best_epoch);
  int color = 0;
  for (const char* name : {"train_loss", "valid_loss"})
    if (c.columns.count(name)) loss.series.push_back({name, epochs, c.columns.at(name), {}, true, kColors[color++]});
  PlotSpec metric;
  metric.title = c.stage + ": validation metrics";
  metric.x_label = "epoch";
  metric.y_label = "metric";
  metric.vertical = loss.vertical;
  color = 0;
  for (const auto& [name, values] : c.columns)
    if (name.rfind("valid_", 0) == 0 && name != "valid_loss")
      metric.series.push_back({name, epochs, values, {}, true, kColors[color++ % 6]});
  PlotSpec lr;
  lr.title = c.stage + ": learning rate";
  lr.x_label = "epoch";
  lr.y_label = "learning rate";
  if (c.columns.count("learning_rate"))
    lr.series.push_back({"learning_rate", epochs, c.columns.at("learning_rate"), {}, true, "#555"});
  return "<div class=\"curves\">\n" + svg_plot(loss) + "\n" + svg_plot(metric) + "\n" + svg_plot(lr) + "\n</div>";
}

HtmlTable test_table(const JsonValue& test) {
  HtmlTable table;
  table.header = {"task"};
  const JsonValue* mean = test.find("mean");
  if (mean)
    for (const auto& [name, unused] : mean->members) table.header.push_back(name);
  if (const JsonValue* tasks = test.find("tasks"))
    for (const auto& task : tasks->items) {
      std::vector<std::string> row{task.find("name") ? task.find("name")->display() : "?"};
      for (std::size_t i = 1; i < table.header.size(); ++i) {
        const JsonValue* v = task.find(table.header[i]);
        row.push_back(v ? cell(v->as_number()) : "n/a");
      }
      table.rows.push_back(row);
    }
  if (mean) {
    std::vector<std::string> row{"mean"};
    for (const auto& [name, value] : mean->members) row.push_back(cell(value.as_number()));
    table.rows.push_back(row);
  }
  if (const JsonValue* loss = test.find("loss")) {
    table.header.push_back("loss");
    for (auto& row : table.rows) row.push_back(row.front() == "mean" ? cell(loss->as_number()) : "");
  }
  return table;
}

// The resolved configuration, as TOML-like lines: one table after another.
std::string configuration_text(const JsonValue& config, const std::string& prefix = "") {
  std::string scalars, tables;
  for (const auto& [key, value] : config.members) {
    if (value.kind == JsonValue::Kind::object) {
      const std::string name = prefix.empty() ? key : prefix + "." + key;
      tables += "\n[" + name + "]\n" + configuration_text(value, name);
    } else {
      scalars += key + " = " + (value.kind == JsonValue::Kind::string ? "\"" + value.string + "\"" : value.display()) + "\n";
    }
  }
  return scalars + tables;
}

}  // namespace

std::string run_report_html(const std::string& report_json, const std::string& metrics_csv,
                            const std::string& source_name) {
  const JsonValue report = parse_json(report_json, source_name);
  auto text = [&](const char* key) { return report.find(key) ? report.find(key)->display() : std::string(); };
  HtmlPage page("evoaug run: " + text("source"));
  HtmlTable overview{{"", ""}, {}};
  for (const char* key : {"source", "evoaug_version", "seed", "device", "threads", "wall_seconds"})
    overview.rows.push_back({key, text(key)});
  page.heading("Run").table(overview);

  const auto curves = read_curves(metrics_csv);
  const JsonValue* stages = report.find("stages");
  if (stages && !stages->members.empty()) {
    HtmlTable summary{{"stage", "epochs run", "best epoch", "best validation loss", "stop reason", "test loss"}, {}};
    for (const auto& [name, stage] : stages->members)
      summary.rows.push_back({name, stage.find("epochs_run") ? stage.find("epochs_run")->display() : "",
                              stage.find("best_epoch") ? stage.find("best_epoch")->display() : "",
                              stage.find("best_valid_loss") ? cell(stage.find("best_valid_loss")->as_number()) : "",
                              stage.find("stop_reason") ? stage.find("stop_reason")->display() : "",
                              stage.at({"test", "loss"}) ? cell(stage.at({"test", "loss"})->as_number()) : ""});
    page.heading("Stages").table(summary);
  }
  for (const auto& c : curves) {
    const JsonValue* best = stages ? stages->at({c.stage, "best_epoch"}) : nullptr;
    page.heading("Learning curves: " + c.stage).raw(curves_html(c, best ? best->as_number() : NAN));
  }
  if (stages)
    for (const auto& [name, stage] : stages->members)
      if (const JsonValue* test = stage.find("test")) page.heading("Test metrics: " + name).table(test_table(*test));
  if (const JsonValue* components = report.find("components")) {
    HtmlTable table{{"component", "version"}, {}};
    for (const auto& c : components->items)
      table.rows.push_back({c.find("name") ? c.find("name")->display() : "", c.find("version") ? c.find("version")->display() : ""});
    page.heading("Components").table(table);
  }
  if (const JsonValue* config = report.find("configuration"))
    page.heading("Configuration").preformatted(configuration_text(*config));
  return page.render();
}

fs::path write_run_report(const fs::path& run_dir) {
  const fs::path json = run_dir / "report.json";
  std::error_code ec;
  if (!fs::is_regular_file(json, ec))
    throw Error("'" + run_dir.string() + "' holds no report.json: give the output folder of a run "
                "(its runtime.output_dir)");
  const fs::path csv = run_dir / "metrics.csv";
  const std::string metrics = fs::is_regular_file(csv, ec) ? read_all(csv) : std::string();
  const fs::path html = run_dir / "report.html";
  write_file_atomically(html, run_report_html(read_all(json), metrics, json.string()));
  return html;
}

}  // namespace evoaug
