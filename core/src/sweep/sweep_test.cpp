// Sweep files and points: grid and random expansion (counts, order, reproducibility),
// the errors of a bad sweep file, the Slurm script, and the summary's statistics on
// hand-made results.
#include "catch.h"

#include <set>

#include "evoaug/error.h"
#include "sweep/slurm_script.h"
#include "sweep/sweep_file.h"
#include "sweep/sweep_points.h"
#include "sweep/sweep_results.h"
#include "sweep/sweep_stats.h"
#include "test_support.h"

namespace fs = std::filesystem;
using evoaug::testing::Contains;

namespace {

// A sweep file (and an empty base pipeline beside it: these tests never load it).
fs::path sweep_file(const evoaug::testing::TempDir& dir, const std::string& text) {
  evoaug::testing::write_file(dir / "pipeline.toml", "");
  evoaug::testing::write_file(dir / "sweep.toml", "base = \"pipeline.toml\"\n" + text);
  return dir / "sweep.toml";
}

const char* kGrid =
    "[axes]\n"
    "\"augment.ops.0.delete_max\" = [0, 10, 20, 30]\n"
    "\"augment.max_augs_per_seq\" = [1, 2, 3]\n"
    "\"runtime.seed\" = [1, 2, 3, 4, 5]\n";

}  // namespace

TEST_CASE("a grid has every combination, the first axis varying slowest", "[sweep]") {
  evoaug::testing::TempDir dir;
  const auto sweep = evoaug::read_sweep_file(sweep_file(dir, kGrid));
  REQUIRE(sweep.axes.size() == 3);
  CHECK(sweep.axes[0].key == "augment.ops.0.delete_max");  // the file's order, not sorted
  CHECK(sweep.axes[2].key == "runtime.seed");
  const auto points = evoaug::expand_points(sweep);
  REQUIRE(points.size() == 4 * 3 * 5);
  CHECK(points[0].name == "delete_max-0_max_augs_per_seq-1_seed-1");
  CHECK(points[1].name == "delete_max-0_max_augs_per_seq-1_seed-2");
  CHECK(points[5].name == "delete_max-0_max_augs_per_seq-2_seed-1");
  CHECK(points.back().name == "delete_max-30_max_augs_per_seq-3_seed-5");
  CHECK(points[7].overrides ==
        std::vector<std::string>{"augment.ops.0.delete_max=0", "augment.max_augs_per_seq=2", "runtime.seed=3"});
  CHECK(points[7].setting == "delete_max-0_max_augs_per_seq-2");
  CHECK(points[7].seed == "3");
  std::set<std::string> names;
  for (const auto& p : points) names.insert(p.name);
  CHECK(names.size() == points.size());
}

TEST_CASE("a random sweep draws settings reproducibly and crosses each with every seed", "[sweep]") {
  evoaug::testing::TempDir dir;
  const std::string axes = std::string(kGrid);
  const auto a = evoaug::read_sweep_file(sweep_file(dir, "mode = \"random\"\nsamples = 4\nseed = 7\n" + axes));
  const auto first = evoaug::expand_points(a);
  const auto again = evoaug::expand_points(evoaug::read_sweep_file(dir / "sweep.toml"));
  REQUIRE(first.size() == 4 * 5);
  std::set<std::string> settings;
  for (std::size_t i = 0; i < first.size(); ++i) {
    CHECK(first[i].name == again[i].name);
    CHECK(first[i].seed == std::to_string(i % 5 + 1));
    settings.insert(first[i].setting);
  }
  CHECK(settings.size() == 4);
  const auto other = evoaug::expand_points(
      evoaug::read_sweep_file(sweep_file(dir, "mode = \"random\"\nsamples = 4\nseed = 8\n" + axes)));
  std::set<std::string> other_settings;
  for (const auto& p : other) other_settings.insert(p.setting);
  CHECK(other_settings != settings);  // (for these two seeds; a fixed fact of the generator)
  CHECK_THROWS_WITH(evoaug::expand_points(evoaug::read_sweep_file(
                        sweep_file(dir, "mode = \"random\"\nsamples = 13\n" + axes))),
                    Contains("samples = 13 but the axes have only 12 settings"));
}

TEST_CASE("named [augment] variants make an axis of whole tables, and a baseline names a setting", "[sweep]") {
  evoaug::testing::TempDir dir;
  const auto sweep = evoaug::read_sweep_file(sweep_file(dir,
      "[axes]\n\"runtime.seed\" = [1, 2]\n"
      "[variants.none]\n"
      "[variants.deletion]\nmax_augs_per_seq = 1\nops = [{type = \"deletion\", delete_max = 20}]\n"
      "[baseline]\naugment = \"none\"\n"));
  REQUIRE(sweep.axes.size() == 2);
  CHECK(sweep.axes[0].key == "augment");
  CHECK(sweep.axes[0].labels == std::vector<std::string>{"none", "deletion"});
  const auto points = evoaug::expand_points(sweep);
  REQUIRE(points.size() == 4);
  CHECK(points[2].overrides[0] == "augment={max_augs_per_seq = 1, ops = [{delete_max = 20, type = 'deletion'}]}");
  CHECK(evoaug::is_baseline(sweep, points[0]));
  CHECK_FALSE(evoaug::is_baseline(sweep, points[2]));
}

TEST_CASE("a bad sweep file is an error naming the key and the value", "[sweep]") {
  evoaug::testing::TempDir dir;
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "[axes]\nseed = [1, 2]\n")),
                    Contains("axis \"seed\": expected a dotted key"));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "[axes]\n\"pretrain.max_epochs\" = []\n")),
                    Contains("axis \"pretrain.max_epochs\": expected a non-empty array"));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "[axes]\n\"pretrain.max_epochs\" = [1, 1]\n")),
                    Contains("value 1 is listed twice"));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "[axes]\naugment = [\"none\", \"typo\"]\n[variants.none]\n")),
                    Contains("axis \"augment\": value \"typo\" names no [variants.typo] (variants: none)"));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "[axes]\n\"pretrain.max_epochs\" = [1, 2]\n[baseline]\n\"pretrain.max_epochs\" = 3\n")),
                    Contains("[baseline] \"pretrain.max_epochs\" = 3 is not one of the axis' values"));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "mode = \"spiral\"\n[axes]\n\"a.b\" = [1]\n")),
                    Contains("mode = \"spiral\""));
  CHECK_THROWS_WITH(evoaug::read_sweep_file(sweep_file(dir, "axis = 1\n")), Contains("unknown key 'axis'"));
  evoaug::testing::write_file(dir / "lost.toml", "base = \"nowhere.toml\"\n[axes]\n\"a.b\" = [1]\n");
  CHECK_THROWS_WITH(evoaug::read_sweep_file(dir / "lost.toml"), Contains("base pipeline 'nowhere.toml' not found"));
}

TEST_CASE("the Slurm script has one array task per point, each running that point's command", "[sweep]") {
  evoaug::testing::TempDir dir;
  const auto sweep = evoaug::read_sweep_file(sweep_file(dir, "[axes]\n\"pretrain.learning_rate\" = [0.1, 0.01]\n\"runtime.seed\" = [1, 2, 3]\n"));
  const auto points = evoaug::expand_points(sweep);
  const std::string script = evoaug::slurm_script(sweep, points, dir / "sweep", "/opt/evoaug/bin/evoaug", 2);
  CHECK(script.rfind("#!/bin/bash\n", 0) == 0);
  CHECK_THAT(script, Contains("#SBATCH --array=0-5\n") && Contains("#SBATCH --cpus-per-task=2\n"));
  CHECK_THAT(script, Contains("EVOAUG=\"${EVOAUG:-/opt/evoaug/bin/evoaug}\""));
  const std::string last_dir = (dir / "sweep" / "learning_rate-0.01_seed-3").string();
  CHECK_THAT(script, Contains("  5)\n    dir=" + last_dir + "\n    args=(run " + (dir / "pipeline.toml").string() +
                              " --set pretrain.learning_rate=0.01 --set runtime.seed=3 --set runtime.output_dir=" +
                              last_dir + " --set runtime.threads=2) ;;\n"));
  CHECK_THAT(script, Contains("touch \"$dir/sweep-point.done\""));
  CHECK_THAT(script, Contains("args+=(--resume)"));
}

TEST_CASE("mean, sd and the paired t-test agree with values computed by hand", "[sweep]") {
  CHECK(evoaug::mean_of({1, 2, NAN, 3}) == Approx(2.0));
  CHECK(evoaug::sd_of({2, 4, 4, 4, 5, 5, 7, 9}) == Approx(2.138089935));
  CHECK(std::isnan(evoaug::sd_of({1})));
  // t = 2.776445 is the two-sided 5% point of Student's t with 4 degrees of freedom.
  CHECK(evoaug::student_t_two_sided_p(2.776445, 4) == Approx(0.05).epsilon(1e-5));
  CHECK(evoaug::student_t_two_sided_p(0.0, 4) == Approx(1.0));
  const auto test = evoaug::paired_t_test({0.80, 0.82, 0.79, 0.85, 0.81}, {0.78, 0.79, 0.80, 0.80, 0.77});
  CHECK(test.pairs == 5);
  CHECK(test.mean_difference == Approx(0.026));
  CHECK(test.t == Approx(2.5253432).epsilon(1e-6));
  CHECK(test.p == Approx(0.0649856).epsilon(1e-4));  // numerical integration of the t density
  CHECK(std::isnan(evoaug::paired_t_test({1.0}, {0.5}).p));
}

TEST_CASE("the summary groups runs by setting over seeds and pairs them with the baseline's seeds", "[sweep]") {
  evoaug::testing::TempDir dir;
  const auto sweep = evoaug::read_sweep_file(sweep_file(dir,
      "[axes]\n\"augment.max_augs_per_seq\" = [0, 2]\n\"runtime.seed\" = [1, 2, 3, 4, 5]\n"
      "[baseline]\n\"augment.max_augs_per_seq\" = 0\n"));
  const auto points = evoaug::expand_points(sweep);
  const std::vector<double> base{0.78, 0.79, 0.80, 0.80, 0.77}, augmented{0.80, 0.82, 0.79, 0.85, 0.81};
  std::vector<evoaug::RunRecord> runs;
  for (const auto& p : points) {
    evoaug::RunRecord r;
    r.point = p;
    r.finished = p.seed != "5" || p.labels[0] == "0";  // one augmented seed is missing
    r.stages = {"pretrain", "finetune"};
    const double v = (p.labels[0] == "0" ? base : augmented)[std::stoul(p.seed) - 1];
    r.test["pretrain"] = {{"auroc", v - 0.1}, {"aupr", 0.3}};
    r.test["finetune"] = {{"auroc", v}, {"aupr", 0.4}};
    r.epochs = {{"pretrain", 3}, {"finetune", 2}};
    r.wall_seconds = 1.0;
    runs.push_back(r);
  }
  const auto summary = evoaug::summarize(sweep, runs);
  CHECK(summary.stage == "finetune");
  CHECK(summary.metric == "auroc");
  REQUIRE(summary.rows.size() == 2);
  CHECK(summary.baseline_row == 0);
  CHECK(summary.rows[0].runs == 5);
  CHECK(summary.rows[0].mean == Approx(0.788));
  CHECK(summary.rows[1].runs == 4);
  CHECK(summary.rows[1].mean == Approx(0.815));
  CHECK(summary.rows[1].sd == Approx(evoaug::sd_of({0.80, 0.82, 0.79, 0.85})));
  const auto expected = evoaug::paired_t_test({0.80, 0.82, 0.79, 0.85}, {0.78, 0.79, 0.80, 0.80});
  CHECK(summary.rows[1].versus_baseline.pairs == 4);
  CHECK(summary.rows[1].versus_baseline.mean_difference == Approx(0.0225));
  CHECK(summary.rows[1].versus_baseline.p == Approx(expected.p));

  const std::string csv = evoaug::summary_csv(summary);
  CHECK(csv.rfind("setting,augment.max_augs_per_seq,baseline,runs,finetune_test_auroc_mean,finetune_test_auroc_sd,"
                  "difference_from_baseline,pairs,paired_t,paired_p\n", 0) == 0);
  CHECK_THAT(csv, Contains("\nmax_augs_per_seq-2,2,,4,0.815,"));
  // The baseline row is not compared with itself: its comparison cells are empty.
  CHECK_THAT(csv, Contains(",yes,5,0.788,") && Contains(",,,,\n"));
  CHECK(summary.rows[0].versus_baseline.pairs == 0);
  const std::string rows = evoaug::sweep_csv(sweep, runs);
  CHECK_THAT(rows, Contains("point,setting,augment.max_augs_per_seq,seed,status,pretrain_epochs,pretrain_test_aupr,"
                            "pretrain_test_auroc,finetune_epochs,finetune_test_aupr,finetune_test_auroc,wall_seconds\n"));
  CHECK_THAT(rows, Contains("\nmax_augs_per_seq-2_seed-5,max_augs_per_seq-2,2,5,missing,,,,,,,\n"));
  const std::string html = evoaug::sweep_report_html(sweep, runs, summary);
  CHECK_THAT(html, Contains("auroc against augment.max_augs_per_seq") && Contains("baseline 0.7880"));
  CHECK_THAT(html, Contains("class=\"errorbar\""));
}
