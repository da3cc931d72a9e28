#include "bench_inputs.h"

#include <ATen/ATen.h>

#include <initializer_list>

namespace evoaug::cli {
namespace {

// One [[augment.ops]] entry per value set, so that each value is written once.
constexpr const char* kInversion = "type = \"inversion\"\n";
constexpr const char* kDeletion30 = "type = \"deletion\"\ndelete_min = 0\ndelete_max = 30\n";
constexpr const char* kInsertion20 = "type = \"insertion\"\ninsert_min = 0\ninsert_max = 20\n";
constexpr const char* kInsertion30 = "type = \"insertion\"\ninsert_min = 0\ninsert_max = 30\n";
constexpr const char* kTranslocation20 = "type = \"translocation\"\nshift_min = 0\nshift_max = 20\n";
constexpr const char* kTranslocation30 = "type = \"translocation\"\nshift_min = 0\nshift_max = 30\n";
constexpr const char* kReverseComplement0 = "type = \"reverse_complement\"\nrc_prob = 0.0\n";
constexpr const char* kReverseComplementHalf = "type = \"reverse_complement\"\nrc_prob = 0.5\n";
constexpr const char* kMutation005 = "type = \"mutation\"\nmutate_frac = 0.05\n";
constexpr const char* kMutation015 = "type = \"mutation\"\nmutate_frac = 0.15\n";
constexpr const char* kNoise03 = "type = \"noise\"\nnoise_mean = 0.0\nnoise_std = 0.3\n";

std::string augment_table(int max_augs_per_seq, const std::string& mode, std::initializer_list<const char*> ops) {
  std::string toml = "[augment]\nmax_augs_per_seq = " + std::to_string(max_augs_per_seq) + "\nmode = \"" + mode + "\"\n";
  for (const char* op : ops) toml += std::string("[[augment.ops]]\n") + op;
  return toml;
}

}  // namespace

std::string paper::deepstarr_bench_augment() {
  return augment_table(2, "hard", {kDeletion30, kInsertion20, kTranslocation20, kMutation005, kNoise03});
}

std::string paper::deepstarr_all_ops(const std::string& mode) {
  return augment_table(2, mode,
                       {kInversion, kDeletion30, kTranslocation20, kInsertion20, kReverseComplement0, kMutation005,
                        kNoise03});
}

std::string paper::basset() {
  return augment_table(3, "hard",
                       {kDeletion30, kTranslocation30, kInsertion30, kReverseComplementHalf, kMutation015, kNoise03});
}

at::Tensor random_one_hot(std::int64_t n, std::int64_t length, at::Generator& generator) {
  const at::Tensor letters = at::randint(0, 4, {n, length}, generator, at::kLong);
  return at::one_hot(letters, 4).permute({0, 2, 1}).to(at::kFloat).contiguous();
}

}  // namespace evoaug::cli
