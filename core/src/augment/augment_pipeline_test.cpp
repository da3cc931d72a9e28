// The augmentation pipeline: how many ops each sequence draws (hard, soft), which ones
// (uniform, without replacement), in what order (priority), the 3' padding of rows that
// skipped a length-changing op, the identity, determinism under a seed, and CUDA.
#include "catch.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <algorithm>
#include <map>
#include <set>

#include "evoaug/augment_pipeline.h"
#include "evoaug/error.h"
#include "evoaug/sdk/kernels.h"
#include "test_support.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

/// A test op that records itself: element [r, 0, 0] becomes old * 10 + id, so the
/// digits of that element list the ops a row went through, in order. It appends
/// `growth` columns of 0.5 (an unmistakable value) and checks that it gets the length
/// it was built for.
class Marker final : public sdk::Augmentation {
 public:
  Marker(int id, std::int64_t growth, std::int64_t built_for) : id_(id), growth_(growth), built_for_(built_for) {}
  at::Tensor apply(const at::Tensor& batch, at::Generator&) const override {
    if (batch.size(2) != built_for_)
      throw Error("marker " + std::to_string(id_) + " built for " + std::to_string(built_for_) + " got " +
                  std::to_string(batch.size(2)));
    at::Tensor out = at::full({batch.size(0), batch.size(1), batch.size(2) + growth_}, 0.5, batch.options());
    out.narrow(2, 0, batch.size(2)).copy_(batch);
    out.select(2, 0).select(1, 0).copy_(batch.select(2, 0).select(1, 0) * 10 + id_);
    return out;
  }
  std::int64_t output_length(std::int64_t length) const override { return length + growth_; }

 private:
  int id_;
  std::int64_t growth_, built_for_;
};

/// The same op with a row kernel: the pipeline then runs every row through all of its
/// ops at once (the CPU fast path) instead of calling apply() per op.
class RowMarker final : public sdk::Augmentation, public sdk::kernels::RowKernel {
 public:
  RowMarker(int id, std::int64_t growth, std::int64_t built_for) : marker_(id, growth, built_for), id_(id), growth_(growth), built_for_(built_for) {}
  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    if (!sdk::kernels::use_fast_path(batch)) return marker_.apply(batch, generator);
    return sdk::kernels::apply_rows(*this, batch, batch.size(2) + growth_, sdk::kernels::draw_seed(generator));
  }
  std::int64_t output_length(std::int64_t length) const override { return length + growth_; }
  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 sdk::kernels::Rng&) const override {
    if (length != built_for_)
      throw Error("row marker " + std::to_string(id_) + " built for " + std::to_string(built_for_) + " got " +
                  std::to_string(length));
    for (std::int64_t c = 0; c < 4; ++c) {
      std::copy(in + c * in_stride, in + c * in_stride + length, out + c * out_stride);
      std::fill(out + c * out_stride + length, out + c * out_stride + length + growth_, 0.5f);
    }
    out[0] = in[0] * 10 + static_cast<float>(id_);
  }

 private:
  Marker marker_;
  int id_;
  std::int64_t growth_, built_for_;
};

/// Which kind of marker a test builds: plain (the pipeline calls apply() on the rows
/// that drew the op) or with a row kernel (the fused per-row path).
enum class MarkerKind { plain, row };

AugmentOp marker(int id, int priority, std::int64_t length, std::int64_t growth = 0,
                 MarkerKind kind = MarkerKind::plain) {
  AugmentOp op;
  op.name = "marker" + std::to_string(id);
  op.priority = priority;
  const auto make = [id, growth, kind](std::int64_t l) -> std::shared_ptr<sdk::Augmentation> {
    if (kind == MarkerKind::row) return std::make_shared<RowMarker>(id, growth, l);
    return std::make_shared<Marker>(id, growth, l);
  };
  op.augmentation = make(length);
  op.make_for_length = make;
  return op;
}

/// The ops each row went through, in order (digits of element [r, 0, 0]).
std::vector<std::string> histories(const at::Tensor& out) {
  std::vector<std::string> rows;
  const at::Tensor codes = out.select(2, 0).select(1, 0).to(at::kLong).cpu();
  for (std::int64_t r = 0; r < codes.size(0); ++r) {
    const std::int64_t code = codes[r].item<std::int64_t>();
    rows.push_back(code == 0 ? std::string() : std::to_string(code));
  }
  return rows;
}

at::Generator generator(std::uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

at::Tensor random_dna(std::int64_t n, std::int64_t length, std::uint64_t seed, c10::Device device = c10::kCPU) {
  at::Generator g = generator(seed);
  return at::one_hot(at::randint(0, 4, {n, length}, g, at::kLong), 4)
      .permute({0, 2, 1})
      .to(at::kFloat)
      .contiguous()
      .to(device);
}

bool is_one_hot(const at::Tensor& x) {
  return (x.eq(0) | x.eq(1)).all().item<bool>() && x.sum(1).eq(1).all().item<bool>();
}

std::shared_ptr<sdk::Augmentation> build(const PluginRegistry& registry, const std::string& name,
                                         const std::map<std::string, sdk::ParamValue>& values, std::int64_t length) {
  sdk::Params params = sdk::Params::defaults(registry.augmentation(name).schema);
  for (const auto& [key, value] : values) params.set(key, value);
  return registry.make_augmentation(name, params, {4, length});
}

AugmentOp plugin_op(const PluginRegistry& registry, const std::string& name,
                    const std::map<std::string, sdk::ParamValue>& values, std::int64_t length) {
  AugmentOp op;
  op.name = name;
  op.priority = registry.augmentation(name).default_priority;
  op.augmentation = build(registry, name, values, length);
  op.make_for_length = [&registry, name, values](std::int64_t l) { return build(registry, name, values, l); };
  return op;
}

}  // namespace

TEST_CASE("a pipeline with no ops is the identity") {
  const AugmentPipeline pipeline({4, 30});
  CHECK(pipeline.empty());
  CHECK(pipeline.output_length() == 30);
  const at::Tensor x = random_dna(10, 30, 1);
  at::Generator g = generator(2);
  CHECK(at::equal(pipeline.augment(x, g), x));
  CHECK(at::equal(pipeline.pad(x, g), x));
  CHECK(at::equal(pipeline.for_evaluation(x, g), x));
}

TEST_CASE("hard mode applies exactly max_augs_per_seq distinct ops, in priority order") {
  const std::int64_t length = 12;
  const MarkerKind kind = GENERATE(MarkerKind::plain, MarkerKind::row);
  INFO((kind == MarkerKind::row ? "row kernels (fused path)" : "apply() per op"));
  // Configured out of order: the pipeline sorts by priority (3 < 1 < 4 < 2 by id).
  std::vector<AugmentOp> ops{marker(1, 20, length, 0, kind), marker(2, 40, length, 0, kind),
                             marker(3, 10, length, 0, kind), marker(4, 30, length, 0, kind)};
  const AugmentPipeline pipeline(ops, {2, AugmentMode::hard, false}, {4, length});
  REQUIRE(pipeline.ops().front().name == "marker3");
  at::Generator g = generator(3);
  const auto rows = histories(pipeline.augment(at::zeros({2000, 4, length}), g));
  const std::string order = "3142";
  std::map<std::string, int> subsets;
  for (const auto& h : rows) {
    INFO("history " << h);
    REQUIRE(h.size() == 2);
    REQUIRE(h[0] != h[1]);
    REQUIRE(order.find(h[0]) < order.find(h[1]));  // priority order
    ++subsets[h];
  }
  // All C(4, 2) = 6 subsets, each about 1/6 of the rows.
  REQUIRE(subsets.size() == 6);
  for (const auto& [subset, count] : subsets) CHECK(std::abs(count - 2000 / 6) < 80);
}

TEST_CASE("soft mode applies 1..max_augs_per_seq ops, each count about equally often") {
  const std::int64_t length = 8;
  const MarkerKind kind = GENERATE(MarkerKind::plain, MarkerKind::row);
  INFO((kind == MarkerKind::row ? "row kernels (fused path)" : "apply() per op"));
  std::vector<AugmentOp> ops{marker(1, 1, length, 0, kind), marker(2, 2, length, 0, kind),
                             marker(3, 3, length, 0, kind), marker(4, 4, length, 0, kind)};
  const AugmentPipeline pipeline(ops, {3, AugmentMode::soft, false}, {4, length});
  at::Generator g = generator(4);
  std::map<std::size_t, int> counts;
  for (const auto& h : histories(pipeline.augment(at::zeros({3000, 4, length}), g))) {
    REQUIRE(std::set<char>(h.begin(), h.end()).size() == h.size());  // without replacement
    ++counts[h.size()];
  }
  REQUIRE(counts.size() == 3);
  CHECK(counts.count(0) == 0);
  for (std::size_t c = 1; c <= 3; ++c) CHECK(std::abs(counts[c] - 1000) < 90);
}

TEST_CASE("max_augs_per_seq outside 1..number of ops is refused") {
  std::vector<AugmentOp> ops{marker(1, 1, 8), marker(2, 2, 8)};
  CHECK_THROWS_WITH(AugmentPipeline(ops, {3, AugmentMode::hard, false}, {4, 8}), Contains("max_augs_per_seq"));
  CHECK_THROWS_WITH(AugmentPipeline(ops, {0, AugmentMode::hard, false}, {4, 8}), Contains("max_augs_per_seq"));
}

TEST_CASE("ops after a length-changing op are built for the length they meet, and short rows are padded at 3'") {
  const std::int64_t length = 10;
  // Plain, row kernels, and a mix (a pipeline with an op without a row kernel calls
  // apply() for every op).
  const int mix = GENERATE(0, 1, 2);
  const MarkerKind first = mix == 0 ? MarkerKind::plain : MarkerKind::row;
  const MarkerKind second = mix == 1 ? MarkerKind::row : MarkerKind::plain;
  INFO("mix " << mix);
  // marker 1 grows by 3 and runs first; marker 2 runs after it, at 10 or 13.
  std::vector<AugmentOp> ops{marker(1, 1, length, 3, first), marker(2, 2, length, 0, second)};
  const AugmentPipeline pipeline(ops, {1, AugmentMode::hard, false}, {4, length});
  CHECK(pipeline.output_length() == 13);
  const at::Tensor x = random_dna(400, length, 5);
  at::Tensor input = x.clone();
  input.select(2, 0).zero_();  // room for the markers' record
  at::Generator g = generator(6);
  const at::Tensor out = pipeline.augment(input, g);
  REQUIRE(out.sizes() == at::IntArrayRef{400, 4, 13});
  const auto rows = histories(out);
  int grown = 0, padded = 0;
  for (std::int64_t r = 0; r < 400; ++r) {
    const at::Tensor tail = out[r].narrow(1, length, 3);
    CHECK(at::equal(out[r].narrow(1, 1, length - 1), input[r].narrow(1, 1, length - 1)));
    if (rows[r] == "1") {
      ++grown;
      CHECK(tail.eq(0.5).all().item<bool>());  // the op's own columns, untouched
    } else {
      REQUIRE(rows[r] == "2");
      ++padded;
      CHECK(is_one_hot(tail.unsqueeze(0)));  // random DNA at 3'
    }
  }
  CHECK(grown > 150);
  CHECK(padded > 150);

  // Both ops on every row: marker 2 meets length 13 (its own instance, or it throws).
  const AugmentPipeline both(ops, {2, AugmentMode::hard, false}, {4, length});
  for (const auto& h : histories(both.augment(input, g))) CHECK(h == "12");
}

TEST_CASE("the fused path: several ops in a row, lengths, padding after every op") {
  const std::int64_t length = 9;
  // 1 (grows by 2) < 2 < 3 (grows by 4) < 4 by priority: rows meet 9, 11, 13 or 15.
  std::vector<AugmentOp> ops{marker(1, 1, length, 2, MarkerKind::row), marker(2, 2, length, 0, MarkerKind::row),
                             marker(3, 3, length, 4, MarkerKind::row), marker(4, 4, length, 0, MarkerKind::row)};
  const AugmentPipeline pipeline(ops, {3, AugmentMode::soft, false}, {4, length});
  REQUIRE(pipeline.output_length() == 15);
  at::Tensor input = random_dna(600, length, 21);
  input.select(2, 0).zero_();
  at::Generator g = generator(22);
  const at::Tensor out = pipeline.augment(input, g);
  REQUIRE(out.sizes() == at::IntArrayRef{600, 4, 15});
  const auto rows = histories(out);
  std::set<std::string> seen;
  for (std::int64_t r = 0; r < 600; ++r) {
    const std::string& h = rows[static_cast<std::size_t>(r)];
    INFO("row " << r << " history " << h);
    REQUIRE(!h.empty());
    REQUIRE(std::is_sorted(h.begin(), h.end()));
    seen.insert(h);
    // The input, then the growth of the ops it went through (0.5), then 3' random DNA.
    CHECK(at::equal(out[r].narrow(1, 1, length - 1), input[r].narrow(1, 1, length - 1)));
    const std::int64_t grown = (h.find('1') != std::string::npos ? 2 : 0) + (h.find('3') != std::string::npos ? 4 : 0);
    if (grown > 0) CHECK(out[r].narrow(1, length, grown).eq(0.5).all().item<bool>());
    if (length + grown < 15) CHECK(is_one_hot(out[r].narrow(1, length + grown, 15 - length - grown).unsqueeze(0)));
  }
  CHECK(seen.size() == 14);  // every non-empty subset of up to 3 of the 4 ops
}

TEST_CASE("the seven built-in ops have row kernels, found across the plugin boundary") {
  auto registry = testing::builtin_registry();
  for (const char* name :
       {"inversion", "deletion", "translocation", "insertion", "reverse_complement", "mutation", "noise"}) {
    INFO(name);
    const auto op = build(*registry, name, {}, 100);
    CHECK(dynamic_cast<const sdk::kernels::RowKernel*>(op.get()) != nullptr);
  }
}

TEST_CASE("the pipeline's output does not depend on the number of threads") {
  auto registry = testing::builtin_registry();
  const std::int64_t length = 120;
  std::vector<AugmentOp> ops;
  for (const std::string name :
       {"inversion", "deletion", "translocation", "insertion", "reverse_complement", "mutation", "noise"}) {
    std::map<std::string, sdk::ParamValue> values;
    if (name == "reverse_complement") values["rc_prob"] = 0.5;
    ops.push_back(plugin_op(*registry, name, values, length));
  }
  const AugmentPipeline pipeline(ops, {3, AugmentMode::soft, true}, {4, length});
  const at::Tensor x = random_dna(512, length, 23);
  const int threads = at::get_num_threads();
  std::vector<at::Tensor> outs;
  for (int count : {1, 2, 4}) {
    at::set_num_threads(count);
    at::Generator g = make_generator(c10::kCPU, 24);
    outs.push_back(pipeline.augment(x, g));
    for (const auto& op : ops) {  // and every op on its own
      at::Generator h = make_generator(c10::kCPU, 25);
      outs.push_back(op.augmentation->apply(x, h));
    }
  }
  at::set_num_threads(threads);
  const std::size_t per_run = outs.size() / 3;
  for (std::size_t i = 0; i < per_run; ++i) {
    CHECK(at::equal(outs[i], outs[per_run + i]));
    CHECK(at::equal(outs[i], outs[2 * per_run + i]));
  }
}

TEST_CASE("the same seed gives the same augmentation, another seed another one") {
  auto registry = testing::builtin_registry();
  const std::int64_t length = 100;
  std::vector<AugmentOp> ops{
      plugin_op(*registry, "deletion", {}, length), plugin_op(*registry, "insertion", {}, length),
      plugin_op(*registry, "translocation", {}, length), plugin_op(*registry, "mutation", {}, length),
      plugin_op(*registry, "noise", {}, length)};
  const AugmentPipeline pipeline(ops, {2, AugmentMode::hard, false}, {4, length});
  const at::Tensor x = random_dna(64, length, 7);
  at::Generator a = make_generator(c10::kCPU, 42), b = make_generator(c10::kCPU, 42), c = make_generator(c10::kCPU, 43);
  const at::Tensor first = pipeline.augment(x, a);
  CHECK(at::equal(first, pipeline.augment(x, b)));
  CHECK_FALSE(at::equal(first, pipeline.augment(x, c)));
  // And the generic path (float64) too.
  at::Generator d = make_generator(c10::kCPU, 42), e = make_generator(c10::kCPU, 42);
  const at::Tensor x64 = x.to(at::kDouble);
  CHECK(at::equal(pipeline.augment(x64, d), pipeline.augment(x64, e)));
}

TEST_CASE("padding follows every other op: a reverse-complemented row keeps its padding at 3'") {
  auto registry = testing::builtin_registry();
  const std::int64_t length = 40;
  std::vector<AugmentOp> ops{plugin_op(*registry, "insertion", {{"insert_max", std::int64_t{6}}}, length),
                             plugin_op(*registry, "reverse_complement", {{"rc_prob", 1.0}}, length)};
  const AugmentPipeline pipeline(ops, {1, AugmentMode::hard, false}, {4, length});
  CHECK(pipeline.output_length() == 46);
  const at::Tensor x = random_dna(200, length, 8);
  for (const auto& dtype : {at::kFloat, at::kDouble}) {
    at::Generator g = generator(9);
    const at::Tensor out = pipeline.augment(x.to(dtype), g);
    REQUIRE(out.sizes() == at::IntArrayRef{200, 4, 46});
    REQUIRE(is_one_hot(out));
    int rc_rows = 0;
    for (std::int64_t r = 0; r < 200; ++r)
      rc_rows += at::equal(out[r].narrow(1, 0, length), x[r].flip({0, 1}).to(dtype));
    CHECK(rc_rows > 60);  // about half drew the reverse complement (the rest inserted)
  }
}

TEST_CASE("pad() and for_evaluation() pad with random DNA at 3' unless inference_aug") {
  auto registry = testing::builtin_registry();
  const std::int64_t length = 30;
  std::vector<AugmentOp> ops{plugin_op(*registry, "insertion", {{"insert_max", std::int64_t{5}}}, length),
                             plugin_op(*registry, "noise", {}, length)};
  const AugmentPipeline pipeline(ops, {1, AugmentMode::hard, false}, {4, length});
  const at::Tensor x = random_dna(50, length, 10);
  at::Generator g = generator(11);
  const at::Tensor padded = pipeline.pad(x, g);
  REQUIRE(padded.sizes() == at::IntArrayRef{50, 4, 35});
  CHECK(at::equal(padded.narrow(2, 0, length), x));
  CHECK(is_one_hot(padded));
  CHECK(is_one_hot(pipeline.for_evaluation(x, g)));  // no noise at evaluation

  const AugmentPipeline with_aug(ops, {1, AugmentMode::hard, true}, {4, length});
  const at::Tensor evaluated = with_aug.for_evaluation(x, g);
  CHECK(evaluated.size(2) == 35);
  CHECK_FALSE(is_one_hot(evaluated));  // about half the rows got noise

  // No length-changing op: pad() is the identity.
  const AugmentPipeline no_growth({plugin_op(*registry, "mutation", {}, length)}, {1, AugmentMode::hard, false},
                                  {4, length});
  CHECK(at::equal(no_growth.pad(x, g), x));
}

TEST_CASE("a batch of the wrong shape or type is refused with the expected shape") {
  const AugmentPipeline pipeline({marker(1, 1, 10)}, {1, AugmentMode::hard, false}, {4, 10});
  at::Generator g = generator(12);
  CHECK_THROWS_WITH(pipeline.augment(at::zeros({2, 4, 11}), g), Contains("(N, 4, 10)"));
  CHECK_THROWS_WITH(pipeline.augment(at::zeros({2, 4, 10}, at::kByte), g), Contains("floating-point"));
}

TEST_CASE("the pipeline runs on CUDA with a CUDA generator") {
  if (!torch::cuda::is_available()) EVOAUG_SKIP("CUDA not available");
  auto registry = testing::builtin_registry();
  const std::int64_t length = 100;
  std::vector<AugmentOp> ops;
  for (const char* name : {"inversion", "deletion", "translocation", "insertion", "reverse_complement", "mutation"})
    ops.push_back(plugin_op(*registry, name, {}, length));
  const AugmentPipeline pipeline(ops, {3, AugmentMode::soft, false}, {4, length});
  const at::Tensor x = random_dna(128, length, 13, c10::kCUDA);
  at::Generator a = make_generator(c10::kCUDA, 5), b = make_generator(c10::kCUDA, 5);
  const at::Tensor out = pipeline.augment(x, a);
  CHECK(out.device().is_cuda());
  CHECK(out.sizes() == at::IntArrayRef{128, 4, 120});
  CHECK(is_one_hot(out));
  CHECK(at::equal(out, pipeline.augment(x, b)));
  CHECK(is_one_hot(pipeline.pad(x, a)));
}
