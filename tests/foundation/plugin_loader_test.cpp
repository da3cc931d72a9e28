// The loader: a good plugin loads and builds; each way a plugin can be broken gives its
// own clear error, never a crash.
#include "catch.h"
#include <torch/torch.h>

#include "evoaug/error.h"
#include "evoaug/plugin_registry.h"
#include "evoaug/sdk/plugin.h"
#include "test_support.h"

using evoaug::Error;
using evoaug::PluginRegistry;
using evoaug::testing::fixture_plugin;
using evoaug::testing::Contains;

TEST_CASE("a good plugin loads and its component is built and runs", "[loader]") {
  PluginRegistry registry;
  registry.load(fixture_plugin("good"));
  REQUIRE(registry.has_augmentation("fixture_scale"));
  const auto& listing = registry.listing("fixture_scale");
  CHECK(listing.version == "1.2.3");
  CHECK(listing.plugin == "fixture");
  CHECK(listing.default_priority == 55);

  evoaug::sdk::Params params = evoaug::sdk::Params::defaults(registry.augmentation("fixture_scale").schema);
  params.set("factor", 2.0);
  auto op = registry.make_augmentation("fixture_scale", params, {4, 10});
  auto gen = at::detail::createCPUGenerator(1);
  auto out = op->apply(torch::ones({2, 4, 10}), gen);
  CHECK(out.sum().item<double>() == Approx(160.0));
}

TEST_CASE("a component keeps its library loaded after the registry is gone", "[loader]") {
  std::shared_ptr<evoaug::sdk::Augmentation> op;
  {
    PluginRegistry registry;
    registry.load(fixture_plugin("good"));
    op = registry.make_augmentation("fixture_scale",
                                    evoaug::sdk::Params::defaults(registry.augmentation("fixture_scale").schema),
                                    {4, 10});
  }
  auto gen = at::detail::createCPUGenerator(1);
  // Would crash if the library had been unloaded with the registry.
  CHECK(op->apply(torch::ones({1, 4, 10}), gen).sum().item<double>() == Approx(40.0));
  CHECK_FALSE(op->keeps_one_hot() == false);
}

TEST_CASE("loading the same file twice is harmless", "[loader]") {
  PluginRegistry registry;
  registry.load(fixture_plugin("good"));
  REQUIRE_NOTHROW(registry.load(fixture_plugin("good")));
  CHECK(registry.components().size() == 1);
}

TEST_CASE("a plugin with another ABI major version is refused, naming both versions", "[loader]") {
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("wrong_abi")),
                      Contains("plugin ABI " + std::to_string(evoaug::sdk::kAbiMajor + 1) + ".0") &&
                          Contains("has plugin ABI " + std::to_string(evoaug::sdk::kAbiMajor) + ".0"));
  CHECK(registry.components().empty());
}

TEST_CASE("a plugin built against another LibTorch is refused, naming both versions", "[loader]") {
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("wrong_torch")),
                      Contains("LibTorch 0.4.1") && Contains(std::string("LibTorch ") + TORCH_VERSION));
}

TEST_CASE("a plugin built against LibTorch 1.13 is refused by a 2.x host, and the reverse, naming both", "[loader]") {
  // The fixture carries the other LibTorch's version (see fixture_plugin.cpp).
  const std::string other = TORCH_VERSION_MAJOR >= 2 ? "1.13.1" : "2.6.0";
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("other_torch")),
                      Contains("built against LibTorch " + other) &&
                          Contains(std::string("this evoaug uses LibTorch ") + TORCH_VERSION) &&
                          Contains("major.minor must match"));
  CHECK(registry.components().empty());
}

TEST_CASE("a plugin built with another C++ standard library ABI is refused, naming both", "[loader]") {
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("other_cxx_runtime")),
                      Contains("built against libstdc++, pre-cxx11 ABI (gcc 9.3.0)") &&
                          Contains(std::string("this evoaug uses ") + EVOAUG_CXX_RUNTIME) &&
                          Contains("_GLIBCXX_USE_CXX11_ABI"));
  CHECK(registry.components().empty());
}

TEST_CASE("a shared library without the entry point is not a plugin", "[loader]") {
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("not_a_plugin")),
                      Contains("not an evoaug plugin") && Contains("evoaug_plugin_descriptor"));
}

TEST_CASE("a file that is not a shared library is refused with the OS's reason", "[loader]") {
  evoaug::testing::TempDir dir;
  evoaug::testing::write_file(dir / "fake.so", "this is text, not ELF\n");
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(dir / "fake.so"), Contains("cannot be opened as a shared library"));
  REQUIRE_THROWS_WITH(registry.load(dir / "missing.so"), Contains("no such file"));
}

TEST_CASE("a registration function that throws is reported with its message", "[loader]") {
  PluginRegistry registry;
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("throwing_register")),
                      Contains("registration failed") && Contains("fixture registration always fails"));
  CHECK(registry.components().empty());
}

TEST_CASE("two components with the same name: the second library is refused, naming both files", "[loader]") {
  PluginRegistry registry;
  registry.load(fixture_plugin("good"));
  REQUIRE_THROWS_WITH(registry.load(fixture_plugin("duplicate_name")),
                      Contains("'fixture_scale' is already provided by") && Contains("evoaug_fixture_good.so"));
  CHECK(registry.listing("fixture_scale").version == "1.2.3");
}

TEST_CASE("a factory that throws becomes an error naming the component and file", "[loader]") {
  PluginRegistry registry;
  registry.load(fixture_plugin("throwing_factory"));
  const auto params = evoaug::sdk::Params::defaults(registry.augmentation("fixture_throwing").schema);
  REQUIRE_THROWS_WITH(registry.make_augmentation("fixture_throwing", params, {4, 10}),
                      Contains("cannot build augmentation 'fixture_throwing'") &&
                          Contains("evoaug_fixture_throwing_factory.so") && Contains("always fails"));
}

TEST_CASE("scanning a folder records broken plugins as failures and keeps the good ones", "[loader]") {
  PluginRegistry registry;
  registry.scan(fixture_plugin("good").parent_path());
  CHECK(registry.has_augmentation("fixture_scale"));
  // wrong_abi, wrong_torch, other_torch, other_cxx_runtime, not_a_plugin,
  // throwing_register, and one of the two duplicates (whichever loads second).
  CHECK(registry.failures().size() == 7);
  for (const auto& failure : registry.failures()) CHECK_FALSE(failure.reason.empty());
}

TEST_CASE("an unknown component name lists the known ones with a suggestion", "[loader]") {
  PluginRegistry registry;
  registry.load(fixture_plugin("good"));
  REQUIRE_THROWS_WITH(registry.augmentation("fixture_scal"),
                      Contains("did you mean 'fixture_scale'") && Contains("known: fixture_scale"));
  REQUIRE_THROWS_WITH(registry.model("deepstar"), Contains("unknown model 'deepstar'"));
}
