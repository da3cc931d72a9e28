// The pipeline file: known tables, components chosen by `type`, `--set` overrides, and
// [plugins] paths, each mistake reported with its position.
#include "catch.h"

#include "evoaug/error.h"
#include "pipeline/pipeline_file.h"
#include "test_support.h"

using evoaug::testing::Contains;
using evoaug::ComponentKind;
using evoaug::Override;
using evoaug::parse_override;
using evoaug::pipeline_from_text;
using evoaug::testing::fixture_plugin;

namespace {

std::unique_ptr<evoaug::PluginRegistry> fixture_registry() {
  auto registry = std::make_unique<evoaug::PluginRegistry>();
  registry->load(fixture_plugin("good"));
  return registry;
}

const char* kPipeline = R"([augment]
max_augs_per_seq = 1

[[augment.ops]]
type = "fixture_scale"
factor = 2.5
)";

}  // namespace

TEST_CASE("a component is built from its table: type plus validated parameters", "[pipeline_file]") {
  auto registry = fixture_registry();
  const auto file = pipeline_from_text(kPipeline, "p.toml");
  const auto& op = *(*file.root["augment"]["ops"].as_array())[0].as_table();
  const auto choice = evoaug::read_component(op, "[[augment.ops]] #1", ComponentKind::augmentation, *registry);
  CHECK(choice.type == "fixture_scale");
  CHECK(choice.params.real("factor") == 2.5);
  CHECK(choice.params.integer("width") == 1);
  auto built = registry->make_augmentation(choice.type, choice.params, {4, 20});
  REQUIRE(built);
}

TEST_CASE("a caller-owned key such as priority is validated alongside the component's", "[pipeline_file]") {
  auto registry = fixture_registry();
  const auto file = pipeline_from_text("[augment]\n[[augment.ops]]\ntype = 'fixture_scale'\npriority = 'high'\n", "p.toml");
  const auto& op = *(*file.root["augment"]["ops"].as_array())[0].as_table();
  evoaug::sdk::Schema extra;
  extra.integer("priority", 0, "order");
  evoaug::sdk::Params caller;
  REQUIRE_THROWS_WITH(evoaug::read_component(op, "[[augment.ops]] #1", ComponentKind::augmentation, *registry, extra, &caller),
                      Contains("p.toml:4:12") && Contains("'priority' must be integer"));
}

TEST_CASE("an unknown component type is positioned and suggests the closest", "[pipeline_file]") {
  auto registry = fixture_registry();
  const auto file = pipeline_from_text("[model]\ntype = 'fixture_scael'\n", "p.toml");
  REQUIRE_THROWS_WITH(evoaug::read_component(*file.root["model"].as_table(), "[model]", ComponentKind::model, *registry),
                      Contains("p.toml:2:8") && Contains("unknown model 'fixture_scael'"));
  const auto no_type = pipeline_from_text("[model]\nfilters = 3\n", "p.toml");
  REQUIRE_THROWS_WITH(evoaug::read_component(*no_type.root["model"].as_table(), "[model]", ComponentKind::model, *registry),
                      Contains("key 'type' is missing"));
}

TEST_CASE("an unknown top-level table is an error with a suggestion", "[pipeline_file]") {
  REQUIRE_THROWS_WITH(pipeline_from_text("[pretrian]\nlr = 1\n", "p.toml"),
                      Contains("p.toml:1:") && Contains("unknown table '[pretrian]'") && Contains("did you mean '[pretrain]'"));
  REQUIRE_THROWS_WITH(pipeline_from_text("model = 3\n", "p.toml"), Contains("must be a table"));
}

TEST_CASE("overrides given with --set change values, create tables, index arrays and take bare strings", "[pipeline_file]") {
  const std::vector<Override> overrides{parse_override("augment.ops.0.factor=4"),
                                        parse_override("data.path=train.h5"),
                                        parse_override("augment.max_augs_per_seq=2")};
  const auto file = pipeline_from_text(kPipeline, "p.toml", overrides);
  CHECK(file.root["augment"]["ops"][0]["factor"].value<std::int64_t>() == 4);
  CHECK(file.root["data"]["path"].value<std::string>() == "train.h5");
  CHECK(file.root["augment"]["max_augs_per_seq"].value<std::int64_t>() == 2);
}

TEST_CASE("a bad override names the argument", "[pipeline_file]") {
  REQUIRE_THROWS_WITH(parse_override("novalue"), Contains("--set 'novalue'") && Contains("table.key=value"));
  REQUIRE_THROWS_WITH(pipeline_from_text(kPipeline, "p.toml", {parse_override("augment.ops.5.factor=1")}),
                      Contains("--set augment.ops.5.factor=1") && Contains("past the end"));
  // An overridden value that fails validation is reported at the override, not a line.
  auto registry = fixture_registry();
  const auto file = pipeline_from_text(kPipeline, "p.toml", {parse_override("augment.ops.0.factor=99")});
  const auto& op = *(*file.root["augment"]["ops"].as_array())[0].as_table();
  REQUIRE_THROWS_WITH(evoaug::read_component(op, "[[augment.ops]] #1", ComponentKind::augmentation, *registry),
                      Contains("--set augment.ops.0.factor=99") && Contains("out of range"));
}

TEST_CASE("an override appends to an array of tables with '+'", "[pipeline_file]") {
  const auto file = pipeline_from_text(kPipeline, "p.toml",
                                       {parse_override("augment.ops.+={type = 'fixture_scale', factor = 3}"),
                                        parse_override("augment.ops.+.type=fixture_scale"),
                                        parse_override("augment.ops.2.factor=5")});
  const auto& ops = *file.root["augment"]["ops"].as_array();
  REQUIRE(ops.size() == 3);
  CHECK(file.root["augment"]["ops"][1]["factor"].value<std::int64_t>() == 3);
  CHECK(file.root["augment"]["ops"][2]["type"].value<std::string>() == "fixture_scale");
  CHECK(file.root["augment"]["ops"][2]["factor"].value<std::int64_t>() == 5);
  // An array that is not in the file yet is created by its first '+'.
  const auto fresh = pipeline_from_text("[augment]\n", "p.toml", {parse_override("augment.ops.+.type=fixture_scale")});
  CHECK(fresh.root["augment"]["ops"].as_array()->size() == 1);
}

TEST_CASE("a --set that names what is not there says which argument", "[pipeline_file]") {
  // A table the override creates carries the override as its position.
  REQUIRE_THROWS_WITH(pipeline_from_text(kPipeline, "p.toml", {parse_override("bogus.x=1")}),
                      Contains("--set bogus.x=1") && Contains("unknown table"));
  // An index too large for any integer type is past the end, not a raw `stoul`.
  REQUIRE_THROWS_WITH(pipeline_from_text(kPipeline, "p.toml", {parse_override("augment.ops.99999999999999999999.factor=5")}),
                      Contains("--set augment.ops.99999999999999999999.factor=5") && Contains("past the end"));
  REQUIRE_THROWS_WITH(pipeline_from_text(kPipeline, "p.toml", {parse_override("augment..factor=5")}),
                      Contains("empty key segment"));
}

TEST_CASE("[plugins] paths load named plugins, and one that fails is fatal and positioned", "[pipeline_file]") {
  evoaug::PluginRegistry registry;
  const auto good = pipeline_from_text("[plugins]\npaths = ['" + fixture_plugin("good").string() + "']\n", "p.toml");
  evoaug::load_plugins_table(good, registry);
  CHECK(registry.has_augmentation("fixture_scale"));

  const auto bad = pipeline_from_text("[plugins]\npaths = [\n  '" + fixture_plugin("wrong_abi").string() + "']\n", "p.toml");
  REQUIRE_THROWS_WITH(evoaug::load_plugins_table(bad, registry), Contains("p.toml:3:3") && Contains("plugin ABI 2.0"));
  const auto typo = pipeline_from_text("[plugins]\npath = []\n", "p.toml");
  REQUIRE_THROWS_WITH(evoaug::load_plugins_table(typo, registry), Contains("did you mean 'paths'"));
}
