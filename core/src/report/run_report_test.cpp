// report.html: escaping, the page's structure (curves of both stages with the best epoch
// and learning-rate changes marked, test metrics, components, configuration), the JSON
// reader's errors, and `write_run_report` on a folder.
#include "catch.h"

#include "evoaug/error.h"
#include "report/html_page.h"
#include "report/json_value.h"
#include "evoaug/run_report.h"
#include "report/svg_plot.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A report.json as report_json() writes it (two stages, two tasks), with text that must
// be escaped in the source and a component name.
const char* kReport = R"({
  "format": "evoaug-report",
  "format_version": 1,
  "evoaug_version": "0.1.0",
  "source": "runs/<script>alert(1)</script>.toml",
  "seed": 5,
  "device": "cpu",
  "threads": 1,
  "wall_seconds": 3.5,
  "stages": {
    "pretrain": {
      "epochs_run": 4, "best_epoch": 3, "best_valid_loss": 0.61, "stop_reason": "max_epochs",
      "wall_seconds": 2.0, "checkpoint": "checkpoints/pretrain-best.pt",
      "test": {"loss": 0.6, "mean": {"auroc": 0.71, "aupr": 0.5},
               "tasks": [{"name": "t&1", "auroc": 0.7, "aupr": 0.4}, {"name": "t2", "auroc": 0.72, "aupr": null}]}
    },
    "finetune": {
      "epochs_run": 2, "best_epoch": 1, "best_valid_loss": 0.58, "stop_reason": "max_epochs",
      "wall_seconds": 1.0, "checkpoint": "checkpoints/finetune-best.pt",
      "test": {"loss": 0.57, "mean": {"auroc": 0.74, "aupr": 0.52},
               "tasks": [{"name": "t&1", "auroc": 0.73, "aupr": 0.5}, {"name": "t2", "auroc": 0.75, "aupr": 0.54}]}
    }
  },
  "components": [{"name": "chip_cnn", "version": "1.2.3"}],
  "configuration": {"runtime": {"seed": 5}, "model": {"type": "chip_cnn", "note": "a \"quoted\" <b>"}}
}
)";

const char* kMetrics =
    "stage,epoch,train_loss,valid_loss,learning_rate,valid_auroc,valid_aupr,seconds\n"
    "pretrain,1,0.9,0.8,0.001,0.6,0.4,0.5\n"
    "pretrain,2,0.8,0.7,0.001,0.65,0.45,0.5\n"
    "pretrain,3,0.7,0.61,0.0001,0.7,0.5,0.5\n"
    "pretrain,4,0.65,0.62,0.0001,nan,0.5,0.5\n"
    "finetune,1,0.6,0.58,0.0001,0.74,0.52,0.5\n"
    "finetune,2,0.55,0.59,0.0001,0.73,0.51,0.5\n";

}  // namespace

TEST_CASE("html_escape escapes the five characters HTML gives meaning to", "[report]") {
  CHECK(evoaug::html_escape("a<b>&\"c\"'d'") == "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  CHECK(evoaug::html_escape("plain") == "plain");
}

TEST_CASE("svg_plot draws series, rules and error bars, and says when there is no data", "[report]") {
  evoaug::PlotSpec spec;
  spec.title = "loss <&>";
  spec.series.push_back({"train", {1, 2, 3}, {0.9, NAN, 0.7}, {0.1, 0.1, 0.1}, true, "#000"});
  spec.vertical.push_back({2, "best epoch 2", "#0a0", false});
  spec.horizontal.push_back({0.8, "baseline", "#a00", true});
  const std::string svg = evoaug::svg_plot(spec);
  CHECK(svg.rfind("<svg class=\"plot\"", 0) == 0);
  CHECK_THAT(svg, Contains("loss &lt;&amp;&gt;"));
  CHECK(count(svg, "<circle") == 2);  // the NaN point is left out
  CHECK(count(svg, "class=\"errorbar\"") == 2);
  CHECK(count(svg, "class=\"rule\"") == 2);
  CHECK(count(svg, "<path class=\"series\"") == 1);
  evoaug::PlotSpec empty;
  empty.series.push_back({"x", {1}, {NAN}, {}, true, "#000"});
  CHECK_THAT(evoaug::svg_plot(empty), Contains("no data"));
}

TEST_CASE("svg_plot slants category names that would overlap, and makes room for them", "[report]") {
  evoaug::PlotSpec few;
  few.x_categories = {"1", "2", "3"};
  few.series.push_back({"m", {0, 1, 2}, {0.7, 0.8, 0.75}, {}, false, "#000"});
  const std::string upright = evoaug::svg_plot(few);
  CHECK_FALSE(upright.find("rotate(-35") != std::string::npos);
  CHECK_THAT(upright, Contains("height=\"300.0\""));
  evoaug::PlotSpec many = few;
  many.x_categories = {"none", "mutation", "translocation", "insertion", "deletion", "inversion",
                       "reverse_complement", "noise", "paper_chipseq"};
  many.series[0] = {"m", {0, 1, 2, 3, 4, 5, 6, 7, 8}, {0.7, 0.8, 0.75, 0.7, 0.8, 0.75, 0.7, 0.8, 0.75}, {}, false, "#000"};
  const std::string slanted = evoaug::svg_plot(many);
  CHECK(count(slanted, "rotate(-35") == 9);
  CHECK_FALSE(slanted.find("height=\"300.0\"") != std::string::npos);  // taller, for the slanted names
}

TEST_CASE("a run's report.html holds both stages' curves, test metrics, components and configuration", "[report]") {
  const std::string html = evoaug::run_report_html(kReport, kMetrics, "report.json");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK_THAT(html, Contains("</html>"));
  // Self-contained: no scripts, nothing fetched.
  CHECK_THAT(html, !Contains("<script") && !Contains("src=") && !Contains("href="));
  CHECK_THAT(html, Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(html, Contains("Learning curves: pretrain") && Contains("Learning curves: finetune"));
  CHECK(count(html, "<svg class=\"plot\"") == 6);  // loss, validation metrics, learning rate per stage
  CHECK_THAT(html, Contains("best epoch 3") && Contains("best epoch 1"));
  CHECK_THAT(html, Contains("learning rate 0.0010 -&gt; 0.0001"));
  CHECK_THAT(html, Contains("Test metrics: pretrain") && Contains("Test metrics: finetune"));
  CHECK_THAT(html, Contains("<td>t&amp;1</td><td>0.7300</td><td>0.5000</td>"));  // finetune, task t&1: auroc, aupr
  CHECK_THAT(html, Contains("<td>mean</td><td>0.7400</td><td>0.5200</td><td>0.5700</td>"));
  CHECK_THAT(html, Contains("<td>chip_cnn</td><td>1.2.3</td>"));
  CHECK_THAT(html, Contains("[model]") && Contains("note = &quot;a &quot;quoted&quot; &lt;b&gt;&quot;"));
}

TEST_CASE("the JSON reader names the source and offset of bad input", "[report]") {
  CHECK_THROWS_WITH(evoaug::parse_json("{\"a\": [1, 2}", "r.json"), Contains("r.json: not valid JSON at byte"));
  const auto v = evoaug::parse_json("{\"a\": {\"b\": [1.5, \"x\\u00e9\", null, true]}}", "r.json");
  REQUIRE(v.at({"a", "b"}));
  CHECK(v.at({"a", "b"})->items.at(0).as_number() == 1.5);
  CHECK(v.at({"a", "b"})->items.at(1).string == "x\xc3\xa9");
  CHECK(std::isnan(v.at({"a", "b"})->items.at(2).as_number()));
}

TEST_CASE("write_run_report writes report.html next to report.json, and names a folder without one", "[report]") {
  evoaug::testing::TempDir dir;
  CHECK_THROWS_WITH(evoaug::write_run_report(dir.path()), Contains("holds no report.json"));
  evoaug::testing::write_file(dir / "report.json", kReport);
  evoaug::testing::write_file(dir / "metrics.csv", kMetrics);
  const fs::path html = evoaug::write_run_report(dir.path());
  CHECK(html == dir / "report.html");
  CHECK(evoaug::testing::read_file(html) == evoaug::run_report_html(kReport, kMetrics, (dir / "report.json").string()));
}
