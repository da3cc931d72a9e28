// Reverse complement against its definition: each sequence replaced by its reverse
// complement with probability rc_prob.
#include "../testing/augmentation_testing.h"

using namespace evoaug::testing;

TEST_CASE("reverse_complement with rc_prob 0 is the identity and with 1 always flips") {
  const auto never = make_op("reverse_complement", {{"rc_prob", 0.0}}, 40);
  check_every_row(*never, 100, 40, 1, [](const std::string& in, const std::string& out) { return in == out; });
  const auto always = make_op("reverse_complement", {{"rc_prob", 1.0}}, 40);
  check_every_row(*always, 100, 40, 2,
                  [](const std::string& in, const std::string& out) { return out == reverse_complement(in); });
}

TEST_CASE("reverse_complement with rc_prob 0.5 flips about half the sequences") {
  const auto op = make_op("reverse_complement", {{"rc_prob", 0.5}}, 40);
  int flipped = 0;
  check_every_row(*op, 500, 40, 3, [&](const std::string& in, const std::string& out) {
    flipped += out != in;
    return out == in || out == reverse_complement(in);
  });
  CHECK(flipped > 400);  // of 1000 rows over both paths; expected 500
  CHECK(flipped < 600);
}

TEST_CASE("reverse_complement is deterministic under a seed") {
  check_deterministic(*make_op("reverse_complement", {{"rc_prob", 0.5}}, 50), 50);
}

TEST_CASE("reverse_complement rejects a probability outside [0, 1] and non-DNA alphabets") {
  check_rejected("reverse_complement", {{"rc_prob", 1.5}}, 50, "rc_prob");
  check_rejected("reverse_complement", {{"rc_prob", -0.1}}, 50, "rc_prob");
  CHECK_THROWS_WITH(make_op("reverse_complement", {}, 50, 20), Contains("4 channels"));
}

TEST_CASE("reverse_complement default is the paper's DeepSTARR value, 0") {
  const auto* registry = &suite_registry();
  CHECK(evoaug::sdk::Params::defaults(registry->augmentation("reverse_complement").schema).real("rc_prob") == 0.0);
}
