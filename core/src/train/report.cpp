#include "train/report.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "evoaug/build_config.h"
#include "train/metrics.h"
#include "util/json.h"

namespace evoaug {
namespace {

std::string csv_number(double v) {
  if (std::isnan(v)) return "nan";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.8g", v);
  return buffer;
}

std::string metrics_json(const Metrics& m, int depth) {
  std::vector<std::string> tasks;
  for (std::size_t t = 0; t < m.tasks.size(); ++t) {
    JsonObject task(depth + 2);
    task.add("name", json_quoted(m.tasks[t]));
    for (const auto& [name, values] : m.per_task) task.add(name, json_number(t < values.size() ? values[t] : NAN));
    tasks.push_back(task.str());
  }
  JsonObject mean(depth + 1);
  for (const auto& [name, value] : m.mean) mean.add(name, json_number(value));
  return JsonObject(depth).add("loss", json_number(m.loss)).add("mean", mean.str()).add("tasks", json_array(tasks, depth + 1)).str();
}

// Indents every line after the first of an already formatted JSON text.
std::string indent_json(const std::string& text, int depth) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += std::string(2 * depth, ' ');
  }
  return out;
}

}  // namespace

std::string metrics_csv_header(sdk::OutputKind kind) {
  std::string out = "stage,epoch,train_loss,valid_loss,learning_rate";
  for (const auto& name : metric_names(kind)) out += ",valid_" + name;
  return out + ",seconds\n";
}

std::string metrics_csv_row(const EpochSummary& e, sdk::OutputKind kind) {
  std::string out = e.stage + "," + std::to_string(e.epoch) + "," + csv_number(e.train_loss) + "," +
                    csv_number(e.valid_loss) + "," + csv_number(e.learning_rate);
  for (const auto& name : metric_names(kind)) {
    auto it = e.valid.mean.find(name);
    out += "," + csv_number(it == e.valid.mean.end() ? NAN : it->second);
  }
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", e.seconds);
  return out + "," + seconds + "\n";
}

std::string report_json(const ReportContents& r) {
  JsonObject stages(1);
  for (const auto& s : r.result.stages) {
    JsonObject stage(2);
    stage.add("epochs_run", std::to_string(s.epochs_run))
        .add("best_epoch", std::to_string(s.best_epoch))
        .add("best_valid_loss", json_number(s.best_valid_loss))
        .add("stop_reason", json_quoted(s.stop_reason))
        .add("wall_seconds", json_number(s.seconds))
        .add("sequences_per_second", json_number(s.sequences_per_second))
        .add("communication_ms_per_step", json_number(s.communication_ms_per_step))
        .add("checkpoint", json_quoted(s.best_checkpoint.lexically_relative(r.result.output_dir).generic_string()))
        .add("test", metrics_json(s.test, 3));
    stages.add(s.stage, stage.str());
  }
  std::vector<std::string> components;
  for (const auto& [name, version] : r.components)
    components.push_back(JsonObject(2).add("name", json_quoted(name)).add("version", json_quoted(version)).str());

  JsonObject root(0);
  root.add("format", json_quoted("evoaug-report"))
      .add("format_version", "1")
      .add("evoaug_version", json_quoted(EVOAUG_VERSION))
      .add("source", json_quoted(r.source))
      .add("seed", std::to_string(r.result.seed))
      .add("device", json_quoted(r.result.device))
      .add("threads", std::to_string(r.threads))
      .add("world_size", std::to_string(r.result.world_size))
      .add("backend", json_quoted(r.result.backend.empty() ? "none" : r.result.backend))
      .add("wall_seconds", json_number(r.wall_seconds))
      .add("stages", stages.str())
      .add("components", json_array(components, 1))
      .add("configuration", r.configuration_json.empty() ? "{}" : indent_json(r.configuration_json, 1));
  return root.str() + "\n";
}

std::optional<std::vector<std::string>> report_stages(const std::string& json) {
  if (json.find("\"format\": \"evoaug-report\"") == std::string::npos) return std::nullopt;
  std::istringstream in(json);
  std::string line;
  while (std::getline(in, line) && line.rfind("  \"stages\": {", 0) != 0) {
  }
  if (!in) return std::nullopt;
  std::vector<std::string> stages;
  if (line.find('}') != std::string::npos) return stages;  // "stages": {}
  // One member per stage, at an indent of four: `    "pretrain": {`.
  while (std::getline(in, line) && line.rfind("  }", 0) != 0) {
    if (line.size() < 6 || line.compare(0, 5, "    \"") != 0) continue;
    const auto end = line.find('"', 5);
    if (end == std::string::npos) return std::nullopt;
    stages.push_back(line.substr(5, end - 5));
  }
  if (!in) return std::nullopt;
  return stages;
}

}  // namespace evoaug
