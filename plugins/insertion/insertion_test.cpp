// Insertion against its definition: random DNA of k in [insert_min, insert_max] at a
// uniform position; output L + insert_max with floor((insert_max - k)/2) random
// nucleotides at 5' and the rest at 3'; the original appears in order around the insert.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

namespace {

bool is_insertion(const std::string& in, const std::string& out, std::int64_t lo, std::int64_t hi,
                  std::int64_t insert_max) {
  const std::int64_t length = static_cast<std::int64_t>(in.size());
  if (static_cast<std::int64_t>(out.size()) != length + insert_max) return false;
  for (std::int64_t k = lo; k <= hi; ++k) {
    const std::int64_t left = (insert_max - k) / 2;
    for (std::int64_t at = 0; at <= length; ++at)
      if (out.compare(left, at, in, 0, at) == 0 && out.compare(left + at + k, length - at, in, at, length - at) == 0)
        return true;
  }
  return false;
}

}  // namespace

TEST_CASE("insertion inserts insert_min..insert_max random nt and pads to L + insert_max") {
  const auto op = make_op("insertion", {{"insert_min", std::int64_t{0}}, {"insert_max", std::int64_t{20}}}, 50);
  CHECK(op->output_length(50) == 70);
  check_every_row(*op, 200, 50, 1, [](const std::string& in, const std::string& out) {
    return is_insertion(in, out, 0, 20, 20);
  });
}

TEST_CASE("insertion with insert_min = insert_max has fixed flanks") {
  // k = insert_max: no flanks at all, the original split once around k random nt.
  const auto full = make_op("insertion", {{"insert_min", std::int64_t{9}}, {"insert_max", std::int64_t{9}}}, 40);
  check_every_row(*full, 200, 40, 2, [](const std::string& in, const std::string& out) {
    return is_insertion(in, out, 9, 9, 9);
  });
  // k = 0 with insert_max = 9: 4 random at 5', the original, 5 random at 3'.
  const auto empty = make_op("insertion", {{"insert_min", std::int64_t{0}}, {"insert_max", std::int64_t{0}}}, 40);
  const at::Tensor x = random_batch(20, 40, 3);
  at::Generator g = cpu_generator(4);
  CHECK(at::equal(empty->apply(x, g), x));
}

TEST_CASE("insertion odd remainders go to the 3' flank") {
  // insert_min = insert_max - 1 = 4, insert_max = 5: k = 4 leaves 1 (at 3'), k = 5 none.
  const auto op = make_op("insertion", {{"insert_min", std::int64_t{4}}, {"insert_max", std::int64_t{5}}}, 30);
  check_every_row(*op, 200, 30, 5, [](const std::string& in, const std::string& out) {
    // With the 5' flank empty either way, the original's first nucleotides come first
    // unless the insertion is at position 0.
    return is_insertion(in, out, 4, 5, 5);
  });
}

TEST_CASE("insertion is deterministic under a seed") { check_deterministic(*make_op("insertion", {}, 100), 100); }

TEST_CASE("insertion rejects invalid ranges") {
  check_rejected("insertion", {{"insert_min", std::int64_t{5}}, {"insert_max", std::int64_t{3}}}, 50, "insert_min");
  check_rejected("insertion", {{"insert_max", std::int64_t{60}}}, 50, "insert_max");
}

TEST_CASE("insertion defaults are the paper's DeepSTARR values") {
  const auto* registry = &suite_registry();
  const auto defaults = evoaug::sdk::Params::defaults(registry->augmentation("insertion").schema);
  CHECK(defaults.integer("insert_min") == 0);
  CHECK(defaults.integer("insert_max") == 20);
}
