// `evoaug augment`: the training-time pipeline applied to a FASTA file, written as FASTA.
#include "catch.h"

#include "data/fasta.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

const char* kPipeline = R"([augment]
max_augs_per_seq = 2
[[augment.ops]]
type = "insertion"
insert_max = 6
[[augment.ops]]
type = "reverse_complement"
rc_prob = 1.0
[[augment.ops]]
type = "noise"
)";

}  // namespace

TEST_CASE("evoaug augment writes augmented sequences, skipping noise, reproducibly under a seed") {
  testing::TempDir dir;
  testing::write_file(dir / "in.fa", ">s1\nACGTACGTACGTACGTACGTACGTACGTACGTACGTACGT\n>s2\nAAAAAAAAAACCCCCCCCCCGGGGGGGGGGTTTTTTTTTA\n");
  testing::write_file(dir / "p.toml", kPipeline);
  const std::string common = "augment --config " + (dir / "p.toml").string() + " --in " + (dir / "in.fa").string();

  const auto run = testing::run_host(common + " --out " + (dir / "a.fa").string() + " --seed 3 --copies 2");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("noise") && Contains("cannot be written as letters"));
  const auto records = read_fasta(dir / "a.fa");
  REQUIRE(records.size() == 4);
  CHECK(records[0].id == "s1_aug1");
  CHECK(records[3].id == "s2_aug2");
  for (const auto& record : records) CHECK(record.sequence.size() == 46);  // 40 + insert_max

  REQUIRE(testing::run_host(common + " --out " + (dir / "b.fa").string() + " --seed 3 --copies 2").exit_code == 0);
  CHECK(testing::read_file(dir / "a.fa") == testing::read_file(dir / "b.fa"));
  REQUIRE(testing::run_host(common + " --out " + (dir / "c.fa").string() + " --seed 4 --copies 2").exit_code == 0);
  CHECK(testing::read_file(dir / "a.fa") != testing::read_file(dir / "c.fa"));
}

TEST_CASE("evoaug augment refuses sequences of different lengths, naming the record") {
  testing::TempDir dir;
  testing::write_file(dir / "in.fa", ">s1\nACGTACGTAC\n>s2\nACGTACG\n");
  testing::write_file(dir / "p.toml", kPipeline);
  const auto run = testing::run_host("augment --config " + (dir / "p.toml").string() + " --in " +
                                     (dir / "in.fa").string() + " --out " + (dir / "o.fa").string());
  CHECK(run.exit_code != 0);
  CHECK_THAT(run.output, Contains("s2") && Contains("one length"));
}
