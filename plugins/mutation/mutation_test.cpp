// Mutation against its definition: round(mutate_frac / 0.75 * L) distinct positions per
// sequence set to uniformly random nucleotides.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

TEST_CASE("mutation draws exactly round(mutate_frac / 0.75 * L) distinct positions") {
  // An all-zero input shows every drawn position: it becomes one-hot, the rest stays 0.
  for (const auto& [fraction, length] : std::vector<std::pair<double, std::int64_t>>{
           {0.05, 249}, {0.15, 100}, {0.3, 37}, {0.75, 20}, {1.0, 20}, {0.0, 50}}) {
    const auto op = make_op("mutation", {{"mutate_frac", fraction}}, length);
    const std::int64_t expected = std::min(length, round_half_even(fraction / 0.75 * length));
    for (const auto& [path, zeros] : both_paths(at::zeros({64, 4, length}))) {
      INFO(path << ", mutate_frac " << fraction << ", L " << length);
      at::Generator g = cpu_generator(1);
      const at::Tensor out = op->apply(zeros, g);
      const at::Tensor drawn = out.sum(1);  // 1 at drawn positions, 0 elsewhere
      CHECK((drawn.eq(0) | drawn.eq(1)).all().item<bool>());
      CHECK(drawn.sum(1).eq(expected).all().item<bool>());
    }
  }
}

TEST_CASE("mutation keeps one-hot, changes about mutate_frac of the positions, and uses all letters") {
  const std::int64_t length = 200;
  const auto op = make_op("mutation", {{"mutate_frac", 0.3}}, length);
  const std::int64_t drawn = round_half_even(0.3 / 0.75 * length);  // 80
  std::int64_t changed = 0;
  check_every_row(*op, 100, length, 2, [&](const std::string& in, const std::string& out) {
    std::int64_t diff = 0;
    for (std::size_t j = 0; j < in.size(); ++j) diff += in[j] != out[j];
    changed += diff;
    return diff <= drawn;
  });
  const double fraction = static_cast<double>(changed) / (2 * 100 * length);
  CHECK(fraction == Approx(0.3).margin(0.02));  // 3/4 of the drawn positions change
}

TEST_CASE("mutation is deterministic under a seed") { check_deterministic(*make_op("mutation", {}, 249), 249); }

TEST_CASE("mutation rejects a fraction outside [0, 1]") {
  check_rejected("mutation", {{"mutate_frac", 1.2}}, 50, "mutate_frac");
  check_rejected("mutation", {{"mutate_frac", -0.2}}, 50, "mutate_frac");
}

TEST_CASE("mutation default is the paper's DeepSTARR value") {
  const auto* registry = &suite_registry();
  CHECK(evoaug::sdk::Params::defaults(registry->augmentation("mutation").schema).real("mutate_frac") == 0.05);
}
