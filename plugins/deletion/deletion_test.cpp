// Deletion against its definition: k in [delete_min, delete_max] contiguous nucleotides
// removed at a valid start, floor(k/2) random nucleotides at 5' and the rest at 3'.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

namespace {

/// True when `out` is `in` with k nucleotides removed at some start, for some k in
/// [lo, hi], with the flank lengths of the definition.
bool is_deletion(const std::string& in, const std::string& out, std::int64_t lo, std::int64_t hi) {
  const std::int64_t length = static_cast<std::int64_t>(in.size());
  for (std::int64_t k = lo; k <= hi; ++k) {
    const std::string kept = out.substr(static_cast<std::size_t>(k / 2), static_cast<std::size_t>(length - k));
    for (std::int64_t start = 0; start + k <= length; ++start)
      if (kept == in.substr(0, start) + in.substr(start + k)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("deletion removes one stretch of delete_min..delete_max and refills both flanks") {
  const auto op = make_op("deletion", {{"delete_min", std::int64_t{0}}, {"delete_max", std::int64_t{30}}}, 60);
  check_every_row(*op, 200, 60, 1, [](const std::string& in, const std::string& out) {
    return is_deletion(in, out, 0, 30);
  });
}

TEST_CASE("deletion with delete_min = delete_max removes exactly that many") {
  const auto op = make_op("deletion", {{"delete_min", std::int64_t{7}}, {"delete_max", std::int64_t{7}}}, 40);
  check_every_row(*op, 200, 40, 2, [](const std::string& in, const std::string& out) {
    return is_deletion(in, out, 7, 7);
  });
  // A deletion of 7 is not also a deletion of 6 or 8 in general: the check has teeth.
  const auto zero = make_op("deletion", {{"delete_min", std::int64_t{0}}, {"delete_max", std::int64_t{0}}}, 40);
  const at::Tensor x = random_batch(50, 40, 3);
  at::Generator g = cpu_generator(4);
  CHECK(at::equal(zero->apply(x, g), x));
}

TEST_CASE("deletion draws its length and start per sequence") {
  const auto op = make_op("deletion", {{"delete_min", std::int64_t{10}}, {"delete_max", std::int64_t{10}}}, 40);
  const at::Tensor x = random_batch(1, 40, 5).expand({300, 4, 40}).contiguous();
  at::Generator g = cpu_generator(6);
  const at::Tensor out = op->apply(x, g);
  // The kept middle (positions 5..34) differs between rows when starts differ.
  const at::Tensor middle = out.narrow(2, 5, 30);
  int differ = 0;
  for (int r = 1; r < 300; ++r) differ += !at::equal(middle[0], middle[r]);
  CHECK(differ > 250);
}

TEST_CASE("deletion is deterministic under a seed") {
  check_deterministic(*make_op("deletion", {}, 100), 100);
}

TEST_CASE("deletion rejects invalid ranges") {
  check_rejected("deletion", {{"delete_min", std::int64_t{5}}, {"delete_max", std::int64_t{3}}}, 50, "delete_min");
  check_rejected("deletion", {{"delete_max", std::int64_t{50}}}, 50, "delete_max");
  check_rejected("deletion", {{"delete_min", std::int64_t{-1}}}, 50, "delete_min");
}

TEST_CASE("deletion defaults are the paper's DeepSTARR values") {
  const auto* registry = &suite_registry();
  const auto defaults = evoaug::sdk::Params::defaults(registry->augmentation("deletion").schema);
  CHECK(defaults.integer("delete_min") == 0);
  CHECK(defaults.integer("delete_max") == 30);
  CHECK(registry->augmentation("deletion").default_priority == evoaug::sdk::priority::deletion);
}
