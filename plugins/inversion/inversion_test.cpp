// Inversion against its definition: one segment of k in [invert_min, invert_max]
// replaced by its reverse complement, the rest untouched.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

namespace {

bool is_inversion(const std::string& in, const std::string& out, std::int64_t lo, std::int64_t hi) {
  const auto length = static_cast<std::int64_t>(in.size());
  for (std::int64_t k = lo; k <= hi; ++k)
    for (std::int64_t start = 0; start + k <= length; ++start)
      if (out == in.substr(0, start) + reverse_complement(in.substr(start, k)) + in.substr(start + k)) return true;
  return false;
}

}  // namespace

TEST_CASE("inversion reverse-complements one segment of invert_min..invert_max") {
  const auto op = make_op("inversion", {{"invert_min", std::int64_t{2}}, {"invert_max", std::int64_t{20}}}, 50);
  int changed = 0;
  check_every_row(*op, 200, 50, 1, [&](const std::string& in, const std::string& out) {
    changed += in != out;
    return is_inversion(in, out, 2, 20);
  });
  CHECK(changed > 300);
}

TEST_CASE("inversion with invert_min = invert_max inverts exactly that many") {
  const auto op = make_op("inversion", {{"invert_min", std::int64_t{6}}, {"invert_max", std::int64_t{6}}}, 30);
  check_every_row(*op, 200, 30, 2, [](const std::string& in, const std::string& out) {
    return is_inversion(in, out, 6, 6);
  });
}

TEST_CASE("inversion is deterministic under a seed") { check_deterministic(*make_op("inversion", {}, 100), 100); }

TEST_CASE("inversion rejects invalid ranges and non-DNA alphabets") {
  check_rejected("inversion", {{"invert_min", std::int64_t{9}}, {"invert_max", std::int64_t{3}}}, 50, "invert_min");
  check_rejected("inversion", {{"invert_max", std::int64_t{50}}}, 50, "invert_max");
  CHECK_THROWS_WITH(make_op("inversion", {}, 50, 5), Contains("4 channels"));
}

TEST_CASE("inversion defaults: 0..20 (no DeepSTARR value in the paper)") {
  const auto* registry = &suite_registry();
  const auto defaults = evoaug::sdk::Params::defaults(registry->augmentation("inversion").schema);
  CHECK(defaults.integer("invert_min") == 0);
  CHECK(defaults.integer("invert_max") == 20);
}
