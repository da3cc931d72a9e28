// `evoaug plugin check` and `evoaug plugins --markdown` as a user runs them.
#include "catch.h"

#include "test_config.h"
#include "test_support.h"

using evoaug::testing::Contains;

using evoaug::testing::run_host;

namespace {
std::string nonconforming(const std::string& variant) {
  return std::string(EVOAUG_TEST_NONCONFORMING_PLUGIN_DIR) + "/evoaug_nonconforming_" + variant + ".so";
}
}  // namespace

TEST_CASE("evoaug plugin check exits 0 with a pass table for a conforming plugin") {
  const auto run = run_host("plugin check " + evoaug::testing::fixture_plugin("good").string() + " --length 40");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("COMPONENT"));
  CHECK_THAT(run.output, Contains("fixture_scale"));
  CHECK_THAT(run.output, Contains("PASS: all"));
}

TEST_CASE("evoaug plugin check exits non-zero and names the failed check and its reason") {
  const auto run = run_host("plugin check " + nonconforming("ignores_seed") + " --length 40");
  INFO(run.output);
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.output, Contains("reproducible under a seed"));
  CHECK_THAT(run.output, Contains("FAIL"));
  CHECK_THAT(run.output, Contains("the same seed gave different outputs"));
}

TEST_CASE("evoaug plugin check fails when any of several libraries fails") {
  const auto run = run_host("plugin check " + evoaug::testing::fixture_plugin("good").string() + " " +
                            nonconforming("wrong_length") + " --length 40");
  INFO(run.output);
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.output, Contains("PASS: all"));
  CHECK_THAT(run.output, Contains("output_length() promised"));
}

TEST_CASE("evoaug plugin check explains its usage") {
  const auto none = run_host("plugin check");
  CHECK(none.exit_code != 0);
  CHECK_THAT(none.output, Contains("usage: evoaug plugin check PATH.so"));
  const auto other = run_host("plugin frobnicate");
  CHECK(other.exit_code != 0);
  CHECK_THAT(other.output, Contains("expected 'check'"));
}

TEST_CASE("evoaug plugins --markdown documents every loaded component and the core tables") {
  const auto run = run_host("--plugin-path " + std::string(EVOAUG_TEST_FIXTURE_PLUGIN_DIR) + " plugins --markdown");
  INFO(run.output);
  CHECK(run.exit_code == 0);
  for (const char* heading : {"### [runtime]", "### [data]", "### [augment]", "### [pretrain]", "### [finetune]",
                              "## Augmentations", "## Models", "### fixture_scale"})
    CHECK_THAT(run.output, Contains(heading));
  // A schema's parameter, with its default and range, as the schema declares them.
  CHECK_THAT(run.output, Contains("| `factor` |"));
  CHECK_THAT(run.output, Contains("in [0, 10] | multiplier applied to every element |"));
}

TEST_CASE("evoaug plugin check reports a component that crashes as a failed row with the signal, and checks the rest") {
  // crashes_in_factory dies of SIGSEGV when built; its library also registers a
  // conforming augmentation (nonconforming_crashes_in_factory), which must still pass.
  // Under AddressSanitizer (scripts/test.sh --sanitize) the child's SIGSEGV would be caught
  // and end as a report with exit status 1; this test is about what a user's build shows.
  const auto run = evoaug::testing::run_host_with("ASAN_OPTIONS=\"$ASAN_OPTIONS:handle_segv=0\"",
                                 "plugin check " + nonconforming("crashes_in_factory") + " --length 40");
  INFO(run.output);
  CHECK(run.exit_code == 1);
  CHECK_THAT(run.output, Contains("crashes_in_factory") && Contains("the process crashed: signal 11") &&
                             Contains("Segmentation fault") && Contains("during this check"));
  CHECK_THAT(run.output, Contains("nonconforming_crashes_in_factory  reproducible under a seed"));
  CHECK_THAT(run.output, Contains("FAIL: 1 of"));
}

TEST_CASE("evoaug plugin check --component checks one component; --in-process gives the same table for a clean plugin") {
  const auto one = run_host("plugin check " + nonconforming("crashes_in_factory") +
                            " --length 40 --component nonconforming_crashes_in_factory");
  INFO(one.output);
  CHECK(one.exit_code == 0);
  CHECK_THAT(one.output, !Contains("\ncrashes_in_factory ") && !Contains("crashed") && Contains("PASS: all"));

  const auto isolated = run_host("plugin check " + nonconforming("ignores_seed") + " --length 40");
  const auto in_process = run_host("plugin check " + nonconforming("ignores_seed") + " --length 40 --in-process");
  CHECK(isolated.exit_code == 1);
  CHECK(isolated.output == in_process.output);

  const auto unknown = run_host("plugin check " + nonconforming("conforming") + " --component no_such_thing");
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.output, Contains("--component no_such_thing") && Contains("has no such component"));
}
