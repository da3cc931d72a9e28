// `evoaug bench` as a user runs it. Only the shape of what it prints is checked here:
// timings belong to the benchmark's own output, never to a pass/fail test.
#include "catch.h"

#include <cstdlib>
#include <regex>
#include <string>

#include "test_support.h"

using evoaug::testing::Contains;

using evoaug::testing::run_host;

namespace {
/// The number after `"key": ` in the JSON a bench prints; fails the test when absent.
double json_number(const std::string& json, const std::string& key) {
  std::smatch match;
  const std::regex pattern("\"" + key + "\": ([-+0-9.eE]+)");
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

TEST_CASE("evoaug bench train --json times the trainer's step without and with augmentation") {
  const auto run = run_host("--log-level warn bench train --model chip_cnn --repeats 1 --json");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(json_number(run.output, "step_ms") > 0);
  CHECK(json_number(run.output, "step_aug_ms") > 0);
  CHECK(json_number(run.output, "prepare_ms") > 0);
  CHECK(json_number(run.output, "prepare_aug_ms") > 0);
  CHECK_THAT(run.output, Contains("\"augment_ms\": ") && Contains("\"overhead_pct\": "));
  CHECK_THAT(run.output, Contains("\"cpu_cache\": true") && Contains("\"precision\": \"fp32\""));
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

TEST_CASE("evoaug bench train --system-malloc and --precision bf16 run, fp16 on the CPU is refused") {
  const auto system = run_host("--log-level warn bench train --model chip_cnn --repeats 1 --system-malloc --json");
  INFO(system.output);
  REQUIRE(system.exit_code == 0);
  CHECK_THAT(system.output, Contains("\"cpu_cache\": false"));
  const auto bf16 = run_host("--log-level warn bench train --model chip_cnn --repeats 1 --precision bf16 --json");
  INFO(bf16.output);
  REQUIRE(bf16.exit_code == 0);
  CHECK(json_number(bf16.output, "step_ms") > 0);
  const auto fp16 = run_host("bench train --model chip_cnn --repeats 1 --precision fp16");
  CHECK(fp16.exit_code != 0);
  CHECK_THAT(fp16.output, Contains("fp16") && Contains("CUDA"));
}

TEST_CASE("evoaug bench compare --json times evoaug and Python PyTorch side by side") {
  if (std::system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0)
    EVOAUG_SKIP("no Python PyTorch (Debian package python3-torch) on this machine");
  const auto run = run_host(
      "--log-level warn bench compare --models chip_cnn --threads 1 --repeats 1 --steps 1 --epoch --train 48 "
      "--valid 16 --json");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(json_number(run.output, "cpp_ms") > 0);
  CHECK(json_number(run.output, "python_ms") > 0);
  CHECK(json_number(run.output, "speedup") > 0);
  CHECK(json_number(run.output, "parameters") == 292161);  // both sides' model: the same count
  CHECK(json_number(run.output, "cpp_s") > 0);
  CHECK(json_number(run.output, "cpp_no_augment_s") > 0);
  CHECK(json_number(run.output, "python_s") > 0);
  CHECK(json_number(run.output, "python_augment_s") > 0);
  CHECK(json_number(run.output, "data_wait_pct") >= 0);
  CHECK(json_number(run.output, "data_wait_pct") <= 100);
  CHECK_THAT(run.output, Contains("\"python_malloc\": \"tuned\""));
}

TEST_CASE("evoaug bench compare names a bad option value") {
  const auto run = run_host("bench compare --threads 1,x");
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.output, Contains("--threads") && Contains("1,x"));
  const auto malloc_mode = run_host("bench compare --python-malloc fast");
  CHECK(malloc_mode.exit_code != 0);
  CHECK_THAT(malloc_mode.output, Contains("--python-malloc"));
}

TEST_CASE("evoaug bench distributed --json measures one and two processes", "[distributed]") {
  const auto run = run_host("--log-level warn bench distributed --nproc 1,2 --sequences 600 --epochs 1 "
                            "--repeats 1 --json");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("\"nproc\": 1") && Contains("\"nproc\": 2") && Contains("\"backend\": \"gloo\""));
  CHECK(json_number(run.output, "sequences_per_second") > 0);
  CHECK(json_number(run.output, "speedup") == Approx(1.0));  // the first row is the reference
  CHECK(json_number(run.output, "efficiency") == Approx(1.0));
  // The two-process row: a positive all-reduce wait (one process has none to wait for).
  const std::string second = run.output.substr(run.output.find("\"nproc\": 2"));
  CHECK(json_number(second, "sequences_per_second") > 0);
  CHECK(json_number(second, "allreduce_wait_ms_per_step") > 0);
  const auto bad = run_host("--log-level warn bench distributed --model basset");
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.output, Contains("--model basset: expected chip_cnn or deepstarr"));
}
