// Checkpoints: a round trip keeps weights and state; writes are atomic; a checkpoint of
// another model or a foreign file is refused with a message naming it.
#include "catch.h"
#include <torch/torch.h>


#include <fstream>
#include <functional>
#include <iterator>

#include "evoaug/error.h"
#include "damaged_checkpoint.h"
#include "test_support.h"
#include "train/checkpoint.h"

using evoaug::testing::Contains;

using evoaug::testing::rewrite_largest_record;

namespace {

struct Tiny : torch::nn::Module {
  explicit Tiny(int width) {
    linear = register_module("linear", torch::nn::Linear(3, width));
    norm = register_module("norm", torch::nn::BatchNorm1d(width));
  }
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};

}  // namespace

TEST_CASE("A checkpoint round trip restores weights, buffers and state", "[checkpoint]") {
  evoaug::testing::TempDir dir;
  torch::manual_seed(1);
  Tiny saved(4);
  {
    torch::NoGradGuard no_grad;
    saved.norm->running_mean.fill_(0.25);
  }
  evoaug::CheckpointState state;
  state.stage = "pretrain";
  state.epoch = 7;
  state.batches_done = 3;
  state.schedule.best_loss = 0.125;
  state.schedule.best_epoch = 5;
  state.schedule.learning_rate = 1e-4;
  state.history_csv = "stage,epoch\npretrain,1\n";
  state.config_toml = "[runtime]\nseed = 3\n";
  state.components = {{"chip_cnn", "1.0.0"}, {"mutation", "1.2.0"}};
  state.generator_states["default"] = torch::arange(10, torch::kUInt8);
  state.optimizer = torch::tensor({1, 2, 3}, torch::kUInt8);

  const auto file = dir / "checkpoints" / "best.pt";
  evoaug::save_checkpoint(file, saved, state);
  for (const auto& entry : std::filesystem::directory_iterator(file.parent_path()))
    CHECK(entry.path().filename() == "best.pt");  // no temporary file left behind

  const auto loaded = evoaug::read_checkpoint(file);
  CHECK(loaded.state.stage == "pretrain");
  CHECK(loaded.state.epoch == 7);
  CHECK(loaded.state.batches_done == 3);
  CHECK(loaded.state.schedule.best_loss == 0.125);
  CHECK(loaded.state.schedule.best_epoch == 5);
  CHECK(loaded.state.history_csv == state.history_csv);
  CHECK(loaded.state.config_toml == state.config_toml);
  CHECK(loaded.state.components.size() == 2);
  CHECK(torch::equal(loaded.state.generator_states.at("default"), state.generator_states.at("default")));
  CHECK(torch::equal(loaded.state.optimizer, state.optimizer));
  CHECK(loaded.weights.count("linear.weight") == 1);
  CHECK(loaded.weights.count("norm.running_mean") == 1);

  torch::manual_seed(2);
  Tiny restored(4);
  evoaug::load_weights(restored, loaded.weights, file);
  CHECK(torch::equal(restored.linear->weight, saved.linear->weight));
  CHECK(torch::equal(restored.norm->running_mean, saved.norm->running_mean));
}

TEST_CASE("Weights of another shape or model are refused by name", "[checkpoint]") {
  evoaug::testing::TempDir dir;
  Tiny four(4);
  evoaug::save_checkpoint(dir / "a.pt", four, {});
  Tiny five(5);
  const auto weights = evoaug::read_checkpoint(dir / "a.pt").weights;
  CHECK_THROWS_WITH(evoaug::load_weights(five, weights, dir / "a.pt"),
                    Contains("linear.weight") && Contains("shape"));
  auto fewer = weights;
  fewer.erase("norm.bias");
  CHECK_THROWS_WITH(evoaug::load_weights(four, fewer, dir / "a.pt"), Contains("norm.bias"));
}

TEST_CASE("A file that is not a checkpoint is an error naming it", "[checkpoint]") {
  evoaug::testing::TempDir dir;
  evoaug::testing::write_file(dir / "notes.pt", "not a checkpoint");
  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir / "notes.pt"), Contains("notes.pt"));
  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir / "missing.pt"), Contains("missing.pt"));
  // A PyTorch file of something else.
  const auto bytes = torch::pickle_save(torch::ones({2}));
  std::ofstream(dir / "tensor.pt", std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir / "tensor.pt"), Contains("not an evoaug checkpoint"));
}

TEST_CASE("A damaged checkpoint is refused by name: a tensor cut short, a flipped byte", "[checkpoint]") {
  evoaug::testing::TempDir dir;
  torch::manual_seed(1);
  Tiny model(64);
  evoaug::CheckpointState state;
  state.config_toml = "[runtime]\nseed = 3\n";
  evoaug::save_checkpoint(dir / "good.pt", model, state);
  REQUIRE_NOTHROW(evoaug::read_checkpoint(dir / "good.pt"));

  std::filesystem::copy_file(dir / "good.pt", dir / "short.pt");
  rewrite_largest_record(dir / "short.pt", [](std::string& bytes) { bytes.resize(bytes.size() / 2); });
  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir / "short.pt"),
                    Contains("short.pt") && Contains("is damaged") && Contains("needs"));

  std::filesystem::copy_file(dir / "good.pt", dir / "flipped.pt");
  rewrite_largest_record(dir / "flipped.pt", [](std::string& bytes) { bytes[bytes.size() / 3] ^= 0x10; });
  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir / "flipped.pt"),
                    Contains("flipped.pt") && Contains("do not match the checksum"));

  CHECK_THROWS_WITH(evoaug::read_checkpoint(dir.path()), Contains("is a folder"));
}

TEST_CASE("A checkpoint is used only on the input shape it was trained for", "[checkpoint]") {
  evoaug::CheckpointState state;
  state.input_alphabet = 4;
  state.input_length = 120;
  state.tasks = 2;
  CHECK_NOTHROW(evoaug::require_same_input(state, 4, 120, 2, "c.pt"));
  CHECK_THROWS_WITH(evoaug::require_same_input(state, 4, 100, 2, "c.pt"),
                    Contains("c.pt") && Contains("length 120") && Contains("length 100"));
  CHECK_THROWS_WITH(evoaug::require_same_input(state, 4, 120, 3, "c.pt"), Contains("3 task(s)"));
}

TEST_CASE("A checkpoint of format version 1 (no checksum, no input shape) is read with a warning", "[checkpoint]") {
  evoaug::testing::TempDir dir;
  Tiny model(4);
  evoaug::save_checkpoint(dir / "v2.pt", model, {});
  // The same entries as an earlier evoaug wrote them.
  std::ifstream in(dir / "v2.pt", std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto dict = torch::pickle_load(bytes).toGenericDict();
  for (const char* key : {"checksum", "input_alphabet", "input_length", "tasks"}) static_cast<void>(dict.erase(key));
  dict.insert_or_assign("format_version", std::int64_t{1});
  const auto v1 = torch::pickle_save(c10::IValue(dict));
  std::ofstream(dir / "v1.pt", std::ios::binary).write(v1.data(), static_cast<std::streamsize>(v1.size()));
  const auto loaded = evoaug::read_checkpoint(dir / "v1.pt");
  CHECK(loaded.state.input_length == 0);
  CHECK(loaded.weights.count("linear.weight") == 1);
  // Without a recorded shape, the input rule leaves the decision to load_weights.
  CHECK_NOTHROW(evoaug::require_same_input(loaded.state, 4, 100, 1, dir / "v1.pt"));
}
