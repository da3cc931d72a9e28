// `evoaug synth` and `evoaug data inspect`, run as a user would.
#include "catch.h"
#include <torch/torch.h>

#include "data/hdf5_io.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::run_host;
using evoaug::testing::TempDir;
using evoaug::testing::write_file;
using evoaug::testing::Contains;

TEST_CASE("data commands: synth writes the paper's layout with the planted sites", "[data]") {
  TempDir dir;
  const auto out = (dir / "s.h5").string();
  const auto run = run_host("synth --out " + out + " --num-sequences 300 --seed 4 --lower-case");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("210 train / 30 valid / 60 test"));
  const Hdf5Header header = read_hdf5_header(out);
  CHECK(header.splits[0].x_name == "x_train");
  CHECK(header.splits[0].x_type == "uint8");
  CHECK(header.length() == 200);
  CHECK(header.task_names.size() == 6);

  const auto again = run_host("synth --out " + (dir / "t.h5").string() + " --num-sequences 300 --seed 4 --lower-case");
  REQUIRE(again.exit_code == 0);
  CHECK(torch::equal(read_hdf5_dataset(out).test.x, read_hdf5_dataset(dir / "t.h5").test.x));

  const auto inspect = run_host("data inspect " + out);
  INFO(inspect.output);
  REQUIRE(inspect.exit_code == 0);
  CHECK_THAT(inspect.output, Contains("train") && Contains("210") && Contains("AP1_GABPA") && Contains("% positive"));

  // An existing file is replaced only when asked to.
  const auto refused = run_host("synth --out " + out + " --task regression --num-sequences 200");
  CHECK(refused.exit_code != 0);
  CHECK_THAT(refused.output, Contains("already exists") && Contains("--force"));
  CHECK(torch::equal(read_hdf5_dataset(out).test.x, read_hdf5_dataset(dir / "t.h5").test.x));
  const auto regression = run_host("synth --out " + out + " --task regression --num-sequences 200 --force");
  REQUIRE(regression.exit_code == 0);
  CHECK_THAT(run_host("data inspect " + out).output, Contains("developmental") && Contains("+-"));

  CHECK_THAT(run_host("synth --out " + out + " --length 20 --force").output, Contains("--length") && Contains("too short"));
  CHECK(run_host("synth").exit_code != 0);
}

TEST_CASE("data commands: inspect FASTA applies the N policy and reads labels", "[data]") {
  TempDir dir;
  write_file(dir / "s.fa", ">a\nACGT\n>b\nACNT\n>c\nGGCC\n");
  write_file(dir / "s.tsv", "id\tbound\na\t1\nb\t0\nc\t0\n");
  const auto fa = (dir / "s.fa").string();
  auto run = run_host("data inspect " + fa + " --labels " + (dir / "s.tsv").string());
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("2 sequence(s)") && Contains("dropped 1 containing N") && Contains("50.0% positive"));
  run = run_host("data inspect " + fa + " --n-policy uniform");
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("3 sequence(s)") && Contains("1 N position(s)") && Contains("8.33%"));
  write_file(dir / "bad.fa", ">a\nACGT\nAXGT\n");
  run = run_host("data inspect " + (dir / "bad.fa").string());
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.output, Contains("bad.fa:3:") && Contains("'X'"));
  CHECK_THAT(run_host("data inspect " + (dir / "missing.h5").string()).output, Contains("does not exist"));
}
