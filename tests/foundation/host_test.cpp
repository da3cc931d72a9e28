// The `evoaug` host: errors become one message and a non-zero exit; plugins are listed.
#include "catch.h"

#include "evoaug/build_config.h"
#include "test_support.h"

using evoaug::testing::Contains;
using evoaug::testing::run_host;

TEST_CASE("evoaug --version prints the version", "[host]") {
  const auto run = run_host("--version");
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Contains(EVOAUG_VERSION));
}

TEST_CASE("an unknown command exits non-zero with a suggestion", "[host]") {
  const auto run = run_host("chek p.toml");
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("evoaug: error: unknown command 'chek'") && Contains("did you mean 'check'"));
}

TEST_CASE("evoaug plugins lists the fixture plugins found with --plugin-path, and the failed ones", "[host]") {
  const auto dir = evoaug::testing::fixture_plugin("good").parent_path().string();
  const auto run = run_host("--log-level off --plugin-path " + dir + " plugins");
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("fixture_scale") && Contains("FAILED") && Contains("plugin ABI 2.0"));

  const auto json = run_host("--log-level off --plugin-path " + dir + " plugins --json");
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Contains("\"components\"") && Contains("\"failed\"") && Contains("\"default_priority\""));
}

TEST_CASE("evoaug plugins --describe shows a component's schema", "[host]") {
  const auto dir = evoaug::testing::fixture_plugin("good").parent_path().string();
  const auto run = run_host("--log-level off --plugin-path " + dir + " plugins --describe fixture_scale");
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("factor = 1") && Contains("number in [0, 10]") && Contains("default priority: 55"));
}

TEST_CASE("evoaug check reports a positioned error and exits non-zero", "[host]") {
  evoaug::testing::TempDir dir;
  evoaug::testing::write_file(dir / "p.toml", "[model]\ntype = \"deepstarr\"\n\n[augmnt]\n");
  const auto run = run_host("--log-level off check " + (dir / "p.toml").string());
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("p.toml:4:") && Contains("did you mean '[augment]'"));
  const auto missing = run_host("check " + (dir / "nope.toml").string());
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Contains("nope.toml' does not exist"));
}
