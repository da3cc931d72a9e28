// Random mutation (paper, Methods): round(mutate_frac / 0.75 * L) distinct positions of
// each sequence are set to a uniformly random nucleotide. A random nucleotide equals the
// original one a quarter of the time, hence the division by 0.75: on average a fraction
// mutate_frac of the positions really changes. round() is Python's (half to even), as in
// the reference implementation; the count is capped at L.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Mutation final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Mutation(const sdk::Params& params, const sdk::SequenceShape& shape)
      : fraction_(params.real("mutate_frac")), alphabet_(shape.alphabet) {
    if (!(fraction_ >= 0.0 && fraction_ <= 1.0))
      throw sdk::ParamError("mutate_frac", "mutate_frac must be in [0, 1], got " + std::to_string(fraction_));
  }

  /// The number of positions drawn in a sequence of `length`.
  std::int64_t mutation_count(std::int64_t length) const {
    const double exact = fraction_ / 0.75 * static_cast<double>(length);
    const double rounded = std::nearbyint(exact);  // the default mode rounds half to even
    return std::min<std::int64_t>(length, static_cast<std::int64_t>(rounded));
  }

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, alphabet_, "mutation");
    const std::int64_t length = batch.size(2);
    if (!kernels::use_fast_path(batch)) return apply_generic(batch, mutation_count(length), generator);
    return kernels::apply_rows(*this, batch, length, kernels::draw_seed(generator));
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    kernels::copy_row(in, in_stride, out, out_stride, alphabet_, length);
    const std::int64_t count = mutation_count(length);
    if (count == 0) return;
    // Floyd's algorithm: `count` distinct positions out of `length`, each set once; a
    // bit per position, on the stack for sequences up to 8192 nt.
    constexpr std::int64_t kStackWords = 128;
    const std::int64_t words = (length + 63) / 64;
    std::uint64_t stack_taken[kStackWords];
    std::vector<std::uint64_t> heap_taken;
    std::uint64_t* taken = stack_taken;
    if (words > kStackWords) {
      heap_taken.resize(static_cast<std::size_t>(words));
      taken = heap_taken.data();
    }
    std::fill_n(taken, words, std::uint64_t{0});
    for (std::int64_t j = length - count; j < length; ++j) {
      std::int64_t position = rng.between(0, j);
      if (taken[position >> 6] >> (position & 63) & 1u) position = j;
      taken[position >> 6] |= std::uint64_t{1} << (position & 63);
      kernels::write_random_dna(out, out_stride, alphabet_, position, 1, rng);
    }
  }

 private:
  at::Tensor apply_generic(const at::Tensor& batch, std::int64_t count, at::Generator& generator) const {
    const std::int64_t n = batch.size(0), length = batch.size(2);
    at::Tensor out = batch.clone();
    if (count == 0 || n == 0) return out;
    const at::Tensor keys = at::rand({n, length}, generator, batch.options().dtype(at::kFloat));
    const at::Tensor picked = keys.argsort(/*dim=*/1, /*descending=*/false).narrow(1, 0, count);
    const at::Tensor letters = kernels::random_dna(n, alphabet_, count, batch, generator);
    out.scatter_(2, picked.unsqueeze(1).expand({n, alphabet_, count}), letters);
    return out;
  }

  double fraction_;
  std::int64_t alphabet_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"mutation", "1.0.0", sdk::priority::mutation,
       "set round(mutate_frac / 0.75 * L) random positions to random nucleotides",
       sdk::Schema().real("mutate_frac", 0.05,
                          "fraction of positions that really change, on average (paper, DeepSTARR: 0.05)", 0.0, 1.0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Mutation>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("mutation", "1.0.0", register_components)
