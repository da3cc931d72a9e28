// Parameter schemas: a TOML table is validated against a plugin's declared parameters,
// and every error names the file, line and column, the key, and what was expected.
#include "catch.h"

#include "config/schema_check.h"
#include "config/toml_source.h"
#include "evoaug/error.h"
#include "pipeline/pipeline_file.h"
#include "test_support.h"

using evoaug::testing::Contains;
using evoaug::sdk::Schema;

namespace {

Schema example_schema() {
  return Schema()
      .integer("delete_max", 30, "longest deletion", 0, 1000)
      .real("noise_std", 0.3, "standard deviation", 0.0)
      .boolean("enabled", true, "a flag")
      .choice("mode", "hard", {"hard", "soft"}, "how many ops per sequence");
}

evoaug::sdk::Params check(const std::string& text) {
  const toml::table root = evoaug::parse_toml_text(text, "p.toml");
  return evoaug::params_from_table(*root["op"].as_table(), example_schema(), "[op]", {"type"});
}

}  // namespace

TEST_CASE("defaults fill keys the table leaves out, given keys override them", "[schema]") {
  const auto p = check("[op]\ntype = 'x'\ndelete_max = 12\nnoise_std = 1\n");
  CHECK(p.integer("delete_max") == 12);
  CHECK(p.real("noise_std") == 1.0);  // an integer is accepted for a real
  CHECK(p.boolean("enabled"));
  CHECK(p.string("mode") == "hard");
}

TEST_CASE("an unknown key is an error with position and a suggestion", "[schema]") {
  REQUIRE_THROWS_WITH(check("[op]\ndelet_max = 3\n"),
                      Contains("p.toml:2:1") && Contains("unknown key 'delet_max'") &&
                          Contains("did you mean 'delete_max'"));
}

TEST_CASE("a wrong type is an error naming the key and the expected type", "[schema]") {
  REQUIRE_THROWS_WITH(check("[op]\n\ndelete_max = \"ten\"\n"),
                      Contains("p.toml:3:14") && Contains("'delete_max' must be integer") && Contains("not a string"));
  REQUIRE_THROWS_WITH(check("[op]\ndelete_max = 3.0\n"), Contains("without a decimal point"));
  REQUIRE_THROWS_WITH(check("[op]\nenabled = 1\n"), Contains("'enabled' must be boolean"));
}

TEST_CASE("an out-of-range value is an error naming the allowed range", "[schema]") {
  REQUIRE_THROWS_WITH(check("[op]\ndelete_max = -1\n"),
                      Contains("p.toml:2:14") && Contains("'delete_max' = -1 is out of range") &&
                          Contains("integer in [0, 1000]"));
  REQUIRE_THROWS_WITH(check("[op]\nnoise_std = -0.5\n"), Contains("number >= 0"));
  REQUIRE_THROWS_WITH(check("[op]\nmode = \"sfot\"\n"),
                      Contains("one of: hard, soft") && Contains("did you mean \"soft\""));
}

TEST_CASE("a factory's ParamError is positioned at its key", "[schema]") {
  const toml::table root = evoaug::parse_toml_text("[op]\nx = 1\ndelete_max = 300\n", "p.toml");
  const auto& table = *root["op"].as_table();
  REQUIRE_THROWS_WITH(evoaug::throw_positioned(evoaug::ParamError("delete_max", "must be less than L = 249"), table, "[op]"),
                      Contains("p.toml:3:14") && Contains("key 'delete_max': must be less than L = 249"));
  REQUIRE_THROWS_WITH(evoaug::throw_positioned(evoaug::ParamError("delete_min", "bad"), table, "[op]"),
                      Contains("(default value)"));
}

TEST_CASE("a TOML syntax error names file, line and column", "[schema]") {
  REQUIRE_THROWS_WITH(evoaug::parse_toml_text("[op]\nkey = = 3\n", "bad.toml"),
                      Contains("bad.toml:2:") && Contains("TOML syntax error"));
}

TEST_CASE("a --set value for a string key is the text as typed, even when TOML reads a number", "[schema]") {
  const Schema schema = Schema().string("output_dir", "runs", "where outputs go").integer("seed", 0, "seed");
  const auto params_with = [&](const std::string& argument) {
    const toml::table root = evoaug::parse_toml_text("[op]\n", "p.toml", {evoaug::parse_override(argument)});
    return evoaug::params_from_table(*root["op"].as_table(), schema, "[op]");
  };
  CHECK(params_with("op.output_dir=nan").string("output_dir") == "nan");
  CHECK(params_with("op.output_dir=2024").string("output_dir") == "2024");
  CHECK(params_with("op.output_dir=true").string("output_dir") == "true");
  // Only string keys: an integer key still refuses a string, naming the argument.
  REQUIRE_THROWS_WITH(params_with("op.seed=abc"), Contains("--set op.seed=abc") && Contains("must be integer"));
  // In the file, a number for a string key stays an error.
  const toml::table root = evoaug::parse_toml_text("[op]\noutput_dir = 2024\n", "p.toml");
  REQUIRE_THROWS_WITH(evoaug::params_from_table(*root["op"].as_table(), schema, "[op]"),
                      Contains("p.toml:2:14") && Contains("must be string"));
}
