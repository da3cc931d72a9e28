// The conformance checker: it passes correct plugins (the fixtures' good ones and every
// built-in plugin of the build tree) and fails each deliberately broken fixture on the
// check its defect breaks, with the reason.
#include "evoaug/plugin_check.h"

#include "catch.h"

#include <algorithm>

#include "evoaug/build_config.h"
#include "test_config.h"
#include "test_support.h"

using evoaug::testing::Contains;

namespace fs = std::filesystem;
using evoaug::CheckOutcome;
using evoaug::PluginCheckReport;

namespace {

fs::path nonconforming(const std::string& variant) {
  return fs::path(EVOAUG_TEST_NONCONFORMING_PLUGIN_DIR) / ("evoaug_nonconforming_" + variant + ".so");
}

PluginCheckReport check(const fs::path& file) {
  evoaug::PluginCheckOptions options;
  options.length = 50;  // small and quick; the edge lengths are added anyway
  return evoaug::check_plugin(file, options);
}

const CheckOutcome* find(const PluginCheckReport& report, const std::string& check) {
  auto it = std::find_if(report.outcomes.begin(), report.outcomes.end(),
                         [&](const CheckOutcome& o) { return o.check == check; });
  return it == report.outcomes.end() ? nullptr : &*it;
}

std::vector<std::string> failed_checks(const PluginCheckReport& report) {
  std::vector<std::string> failed;
  for (const auto& o : report.outcomes)
    if (!o.passed) failed.push_back(o.check);
  return failed;
}

/// The report fails, on `check`, with `reason` in its detail; the library itself loaded.
void require_fails_on(const PluginCheckReport& report, const std::string& check, const std::string& reason) {
  INFO(report.table());
  CHECK_FALSE(report.passed());
  REQUIRE(find(report, "loads"));
  CHECK(find(report, "loads")->passed);
  const CheckOutcome* outcome = find(report, check);
  REQUIRE(outcome);
  CHECK_FALSE(outcome->passed);
  CHECK_THAT(outcome->detail, Contains(reason));
  CHECK_THAT(report.table(), Contains("FAIL: "));
}

}  // namespace

TEST_CASE("plugin check passes the good fixture plugin") {
  const PluginCheckReport report = check(evoaug::testing::fixture_plugin("good"));
  INFO(report.table());
  CHECK(report.passed());
  CHECK(find(report, "reproducible under a seed"));
  CHECK_THAT(report.table(), Contains("PASS: all"));
}

TEST_CASE("plugin check passes the broken fixtures' source without its defects") {
  const PluginCheckReport report = check(nonconforming("conforming"));
  INFO(report.table());
  CHECK(report.passed());
  // Every check of an augmentation ran.
  for (const char* name : {"schema is well-formed", "defaults pass validation", "builds with its defaults",
                           "keeps dtype and device", "reports its output length", "keeps columns one-hot",
                           "reproducible under a seed", "leaves its input untouched", "survives the edge lengths"})
    CHECK(find(report, name));
}

TEST_CASE("plugin check fails a plugin whose output length is not the one it reports") {
  require_fails_on(check(nonconforming("wrong_length")), "reports its output length",
                   "output shape (8, 4, 49) but output_length() promised (8, 4, 50)");
}

TEST_CASE("plugin check fails a plugin that breaks one-hot while declaring it keeps it") {
  const PluginCheckReport report = check(nonconforming("breaks_one_hot"));
  require_fails_on(report, "keeps columns one-hot", "not exactly one-hot, but keeps_one_hot() says true");
  CHECK(find(report, "reports its output length")->passed);
}

TEST_CASE("plugin check fails a plugin that ignores the seed") {
  const PluginCheckReport report = check(nonconforming("ignores_seed"));
  require_fails_on(report, "reproducible under a seed", "the same seed gave different outputs");
  CHECK(failed_checks(report) == std::vector<std::string>{"reproducible under a seed"});
}

TEST_CASE("plugin check fails a schema whose default is outside its range") {
  require_fails_on(check(nonconforming("bad_schema")), "schema is well-formed",
                   "parameter 'count': the default 0 is outside its own range");
}

TEST_CASE("plugin check fails a model that does not give (N, T)") {
  require_fails_on(check(nonconforming("model_shape")), "forward gives (N, T)", "gave (8), expected (8, 2)");
}

TEST_CASE("plugin check reports a library that cannot be loaded, with the loader's reason") {
  SECTION("not a plugin") {
    const PluginCheckReport report = check(evoaug::testing::fixture_plugin("not_a_plugin"));
    CHECK_FALSE(report.passed());
    REQUIRE(report.outcomes.size() == 1);
    CHECK(report.outcomes[0].check == "loads");
    CHECK_THAT(report.outcomes[0].detail, Contains("evoaug_plugin_descriptor"));
  }
  SECTION("wrong ABI") {
    const PluginCheckReport report = check(evoaug::testing::fixture_plugin("wrong_abi"));
    CHECK_FALSE(report.passed());
    CHECK_THAT(report.outcomes.at(0).detail, Contains("ABI"));
  }
  SECTION("no such file") {
    const PluginCheckReport report = check("/nonexistent/evoaug_aug_nothing.so");
    CHECK_FALSE(report.passed());
    CHECK_THAT(report.outcomes.at(0).detail, Contains("no such file"));
  }
}

TEST_CASE("plugin check passes every built-in plugin") {
  std::vector<fs::path> plugins;
  for (const auto& entry : fs::directory_iterator(EVOAUG_BUILD_PLUGIN_DIR))
    if (entry.path().extension() == ".so") plugins.push_back(entry.path());
  std::sort(plugins.begin(), plugins.end());
  REQUIRE_FALSE(plugins.empty());
  for (const auto& plugin : plugins) {
    // The default length (200): what the built-in models' pooling is sized for.
    const PluginCheckReport report = evoaug::check_plugin(plugin);
    INFO(report.table());
    CHECK(report.passed());
  }
}
