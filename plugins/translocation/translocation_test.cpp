// Translocation against its definition: a roll by s with |s| in [shift_min, shift_max].
#include "../testing/augmentation_testing.h"

#include <set>

using namespace evoaug::testing;

namespace {

std::string roll(const std::string& s, std::int64_t shift) {
  const auto n = static_cast<std::int64_t>(s.size());
  std::string out(s.size(), '?');
  for (std::int64_t j = 0; j < n; ++j) out[static_cast<std::size_t>(((j + shift) % n + n) % n)] = s[j];
  return out;
}

/// The allowed shifts that explain `out` (a periodic sequence may have several).
std::set<std::int64_t> shifts_of(const std::string& in, const std::string& out, std::int64_t lo, std::int64_t hi) {
  std::set<std::int64_t> found;
  for (std::int64_t m = lo; m <= hi; ++m)
    for (std::int64_t s : {m, -m})
      if (roll(in, s) == out) found.insert(s);
  return found;
}

}  // namespace

TEST_CASE("translocation is a roll by an allowed shift, in both directions") {
  const auto op = make_op("translocation", {{"shift_min", std::int64_t{3}}, {"shift_max", std::int64_t{8}}}, 50);
  std::set<std::int64_t> seen;
  check_every_row(*op, 300, 50, 1, [&](const std::string& in, const std::string& out) {
    const auto found = shifts_of(in, out, 3, 8);
    if (found.size() == 1) seen.insert(*found.begin());
    return !found.empty();
  });
  // Every allowed shift turns up (12 values, 600 rows over both paths).
  CHECK(seen.size() == 12);
}

TEST_CASE("translocation with shift_min = shift_max rolls by exactly that much") {
  const auto op = make_op("translocation", {{"shift_min", std::int64_t{5}}, {"shift_max", std::int64_t{5}}}, 30);
  check_every_row(*op, 100, 30, 2, [](const std::string& in, const std::string& out) {
    return out == roll(in, 5) || out == roll(in, -5);
  });
  const auto zero = make_op("translocation", {{"shift_min", std::int64_t{0}}, {"shift_max", std::int64_t{0}}}, 30);
  const at::Tensor x = random_batch(20, 30, 3);
  at::Generator g = cpu_generator(4);
  CHECK(at::equal(zero->apply(x, g), x));
}

TEST_CASE("translocation is deterministic under a seed") {
  check_deterministic(*make_op("translocation", {}, 100), 100);
}

TEST_CASE("translocation rejects invalid ranges") {
  check_rejected("translocation", {{"shift_min", std::int64_t{9}}, {"shift_max", std::int64_t{3}}}, 50, "shift_min");
  check_rejected("translocation", {{"shift_max", std::int64_t{50}}}, 50, "shift_max");
}

TEST_CASE("translocation defaults are the paper's DeepSTARR values") {
  const auto* registry = &suite_registry();
  const auto defaults = evoaug::sdk::Params::defaults(registry->augmentation("translocation").schema);
  CHECK(defaults.integer("shift_min") == 0);
  CHECK(defaults.integer("shift_max") == 20);
}
