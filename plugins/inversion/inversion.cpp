// Random inversion (paper, Methods): a segment of k nucleotides, k uniform in
// [invert_min, invert_max], starting uniformly among the positions that can hold it
// ([0, L - k]), is replaced by its reverse complement; the rest is untouched.
#include <evoaug/sdk/kernels.h>
#include <evoaug/sdk/plugin.h>

namespace {

namespace sdk = evoaug::sdk;
namespace kernels = evoaug::sdk::kernels;

class Inversion final : public sdk::Augmentation, public kernels::RowKernel {
 public:
  Inversion(const sdk::Params& params, const sdk::SequenceShape& shape)
      : range_(kernels::read_length_range(params, "invert_min", "invert_max", shape.length)) {
    kernels::require_dna_alphabet(shape.alphabet, "inversion");
  }

  at::Tensor apply(const at::Tensor& batch, at::Generator& generator) const override {
    kernels::check_batch(batch, generator, 4, "inversion");
    const std::int64_t length = batch.size(2);
    if (range_.max > length)
      throw sdk::Error("inversion: invert_max (" + std::to_string(range_.max) + ") exceeds L = " +
                       std::to_string(length));
    if (kernels::use_fast_path(batch)) return kernels::apply_rows(*this, batch, length, kernels::draw_seed(generator));
    return apply_generic(batch, generator);
  }

  void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride, std::int64_t length,
                 kernels::Rng& rng) const override {
    const std::int64_t k = rng.between(range_.min, range_.max);
    const std::int64_t start = rng.between(0, length - k);
    const kernels::Piece pieces[] = {{kernels::Piece::copy, 0, start},
                                     {kernels::Piece::reverse_complement, start, k},
                                     {kernels::Piece::copy, start + k, length - start - k}};
    kernels::assemble_row(in, in_stride, out, out_stride, 4, pieces, 3, rng);
  }

 private:
  at::Tensor apply_generic(const at::Tensor& batch, at::Generator& generator) const {
    const std::int64_t n = batch.size(0), length = batch.size(2);
    const at::Tensor k = kernels::randint_between(range_.min, range_.max, n, generator).unsqueeze(1);
    const at::Tensor start = kernels::randint_up_to(length - k.squeeze(1), generator).unsqueeze(1);
    const at::Tensor j = kernels::positions(length, batch.device());
    const at::Tensor inside = j.ge(start) & j.lt(start + k);
    const at::Tensor source = at::where(inside, 2 * start + k - 1 - j, j);
    return kernels::remap_rows(batch, source, inside, generator);
  }

  kernels::LengthRange range_;
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_augmentation(
      {"inversion", "1.0.0", sdk::priority::inversion,
       "replace a random segment of invert_min..invert_max nt by its reverse complement",
       sdk::Schema()
           .integer("invert_min", 0, "shortest inverted segment (nt)", 0)
           .integer("invert_max", 20,
                    "longest inverted segment (nt); less than L (the paper gives no DeepSTARR value: 20, "
                    "like shift_max and insert_max)",
                    0),
       [](const sdk::Params& params, const sdk::SequenceShape& shape) {
         return std::make_unique<Inversion>(params, shape);
       }});
}

}  // namespace

EVOAUG_PLUGIN("inversion", "1.0.0", register_components)
