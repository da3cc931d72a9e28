// `evoaug bench` as a user runs it. Only the shape of what it prints is checked here:
// timings belong to the benchmark's own output, never to a pass/fail test.
#include "catch.h"

#include <regex>
#include <string>

#include "test_support.h"

using evoaug::testing::Contains;

using evoaug::testing::run_host;

namespace {
/// The number after `"key" : ` in the JSON a bench prints; fails the test when absent.
double json_number(const std::string& json, const std::string& key) {
  std::smatch match;
  const std::regex pattern("\"" + key + "\" : ([-+0-9.eE]+)");
  INFO("key " << key);
  REQUIRE(std::regex_search(json, match, pattern));
  return std::stod(match[1]);
}
}  // namespace

TEST_CASE("evoaug bench augment --json times the copy, each op and the pipeline") {
  const auto run = run_host("--log-level warn bench augment --repeats 3 --json");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(json_number(run.output, "clone_ms") > 0);
  for (const char* op : {"deletion", "insertion", "translocation", "mutation", "noise"})
    CHECK(json_number(run.output, std::string(op) + "_ms") > 0);
  const double pipeline_ms = json_number(run.output, "pipeline_ms");
  CHECK(json_number(run.output, "pipeline_over_clone") ==
        Approx(pipeline_ms / json_number(run.output, "clone_ms")).epsilon(1e-6));
  CHECK(json_number(run.output, "output_length") == 249 + 20);  // insert_max 20
  CHECK(json_number(run.output, "threads") == 1);
}

TEST_CASE("evoaug bench train --json times a step without and with augmentation") {
  const auto run = run_host("--log-level warn bench train --model chip_cnn --repeats 1 --json");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(json_number(run.output, "step_ms") > 0);
  CHECK(json_number(run.output, "step_aug_ms") > 0);
  CHECK(json_number(run.output, "augment_ms") > 0);
  CHECK(json_number(run.output, "batch") == 128);
  CHECK(json_number(run.output, "length") == 200);
  CHECK(json_number(run.output, "model_length") == 220);   // insertion padding
  CHECK(json_number(run.output, "parameters") == 292161);  // the paper's ChIP-seq CNN
}

TEST_CASE("evoaug bench refuses an unknown model and bad counts, naming them") {
  const auto unknown = run_host("bench train --model deepstar");
  CHECK(unknown.exit_code != 0);
  CHECK_THAT(unknown.output, Contains("unknown model 'deepstar'") && Contains("did you mean 'deepstarr'"));
  const auto threads = run_host("bench augment --threads 0");
  CHECK(threads.exit_code != 0);
  CHECK_THAT(threads.output, Contains("--threads must be at least 1"));
}
