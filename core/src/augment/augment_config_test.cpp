// Reading [augment]: settings, ops with their parameters and priorities, and errors
// that name the file, line and key.
#include "catch.h"

#include "augment/augment_config.h"
#include "evoaug/error.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

AugmentPipeline read(const std::string& text, std::int64_t length = 249) {
  static auto registry = testing::builtin_registry();
  return read_augment_pipeline(pipeline_from_text(text, "p.toml"), *registry, {4, length});
}

const char* kDeepStarr = R"(
[augment]
max_augs_per_seq = 2
mode = "hard"
[[augment.ops]]
type = "mutation"
[[augment.ops]]
type = "deletion"
[[augment.ops]]
type = "insertion"
)";

}  // namespace

TEST_CASE("[augment] builds ops in priority order with the paper's defaults") {
  const AugmentPipeline pipeline = read(kDeepStarr);
  REQUIRE(pipeline.ops().size() == 3);
  CHECK(pipeline.ops()[0].name == "deletion");
  CHECK(pipeline.ops()[1].name == "insertion");
  CHECK(pipeline.ops()[2].name == "mutation");
  CHECK(pipeline.settings().max_augs_per_seq == 2);
  CHECK(pipeline.settings().mode == AugmentMode::hard);
  CHECK_FALSE(pipeline.settings().inference_aug);
  CHECK(pipeline.output_length() == 249 + 20);  // insert_max defaults to 20
}

TEST_CASE("an op's priority can be overridden") {
  const AugmentPipeline pipeline = read(R"(
[augment]
mode = "soft"
inference_aug = true
[[augment.ops]]
type = "deletion"
priority = 99
[[augment.ops]]
type = "mutation"
)");
  CHECK(pipeline.ops()[0].name == "mutation");
  CHECK(pipeline.ops()[1].name == "deletion");
  CHECK(pipeline.ops()[1].priority == 99);
  CHECK(pipeline.settings().mode == AugmentMode::soft);
  CHECK(pipeline.settings().inference_aug);
}

TEST_CASE("no [augment] table, or one without ops, is the identity") {
  CHECK(read("").empty());
  CHECK(read("[augment]\nmax_augs_per_seq = 3\n").empty());
}

TEST_CASE("[augment] errors name the file, line and key") {
  CHECK_THROWS_WITH(read(R"(
[augment]
max_augs_per_seq = 3
[[augment.ops]]
type = "mutation"
)"),
                    Contains("p.toml:3") && Contains("max_augs_per_seq (3) exceeds the number of ops (1)"));
  CHECK_THROWS_WITH(read("[augment]\nmode = \"medium\"\n[[augment.ops]]\ntype = \"mutation\"\n"),
                    Contains("p.toml:2") && Contains("mode"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"deletoin\"\n"),
                    Contains("p.toml:3") && Contains("deletion"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"deletion\"\ndelete_max = 300\n"),
                    Contains("p.toml:4") && Contains("delete_max"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"deletion\"\ndelete_min = 10\ndelete_max = 5\n"),
                    Contains("p.toml:4") && Contains("delete_min"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"noise\"\nnoise_std = -1.0\n"),
                    Contains("p.toml:4") && Contains("noise_std"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"noise\"\npriority = \"high\"\n"),
                    Contains("p.toml:4") && Contains("priority"));
  CHECK_THROWS_WITH(read("[augment]\nops = 3\n"), Contains("[[augment.ops]]"));
  // Values beyond an int are refused, not wrapped (4294967297 would wrap to 1, and a
  // priority of 4294967306 to 10, silently reordering the ops).
  CHECK_THROWS_WITH(read("[augment]\nmax_augs_per_seq = 4294967297\n[[augment.ops]]\ntype = \"mutation\"\n"),
                    Contains("p.toml:2") && Contains("max_augs_per_seq"));
  CHECK_THROWS_WITH(read("[augment]\n[[augment.ops]]\ntype = \"noise\"\npriority = 4294967306\n"),
                    Contains("p.toml:4") && Contains("priority"));
}
