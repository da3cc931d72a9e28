// report.json read back: which stages a report holds decides whether a later command may
// replace it or must keep it aside.
#include "catch.h"

#include "train/report.h"

namespace {

std::string report_of(const std::vector<std::string>& stages) {
  evoaug::ReportContents contents;
  contents.result.output_dir = "out";
  for (const auto& name : stages) {
    evoaug::StageResult stage;
    stage.stage = name;
    stage.best_checkpoint = "out/checkpoints/" + name + "-best.pt";
    stage.test.tasks = {"task_0"};
    stage.test.mean["auroc"] = 0.5;
    stage.test.per_task["auroc"] = {0.5};
    contents.result.stages.push_back(stage);
  }
  contents.configuration_json = "{\n  \"pretrain\": {\n    \"max_epochs\": 2\n  }\n}";
  return evoaug::report_json(contents);
}

}  // namespace

TEST_CASE("report_stages reads back the stages report_json wrote", "[report]") {
  using Stages = std::vector<std::string>;
  CHECK(evoaug::report_stages(report_of({"pretrain", "finetune"})) == Stages{"pretrain", "finetune"});
  CHECK(evoaug::report_stages(report_of({"finetune"})) == Stages{"finetune"});
  CHECK(evoaug::report_stages(report_of({})) == Stages{});
  // Not a report, or cut short: nothing is known.
  CHECK_FALSE(evoaug::report_stages("{\"format\": \"something else\"}").has_value());
  const std::string whole = report_of({"pretrain"});
  CHECK_FALSE(evoaug::report_stages(whole.substr(0, whole.find("\"pretrain\": {") + 5)).has_value());
}
