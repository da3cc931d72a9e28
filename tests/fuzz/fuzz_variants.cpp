// libFuzzer target: the readers of `evoaug score-variants`. The input is a VCF, then a
// line "#%%", then a reference FASTA; both are read, and when both parse, every variant is
// turned into its reference and alternative windows (length 11). The whole input is also
// read as a ref/alt pairs TSV. Every input must end in results or an evoaug::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "analysis/variants.h"
#include "evoaug/error.h"
#include "fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::size_t split = text.find("\n#%%\n");
  const std::string vcf_text = split == std::string::npos ? text : text.substr(0, split + 1);
  const std::string genome_text = split == std::string::npos ? std::string() : text.substr(split + 5);
  const evoaug::fuzz::InputFile vcf(reinterpret_cast<const std::uint8_t*>(vcf_text.data()), vcf_text.size(),
                                    "input.vcf");
  const evoaug::fuzz::InputFile genome(reinterpret_cast<const std::uint8_t*>(genome_text.data()), genome_text.size(),
                                       "genome.fa");
  const evoaug::fuzz::InputFile pairs(data, size, "pairs.tsv");
  try {
    const auto variants = evoaug::analysis::read_vcf(vcf.path());
    const auto chromosomes = evoaug::analysis::read_genome(genome.path());
    (void)evoaug::analysis::variant_windows(variants, chromosomes, 11, vcf.path());
  } catch (const evoaug::Error&) {
  }
  try {
    (void)evoaug::analysis::read_variant_pairs(pairs.path(), 11);
  } catch (const evoaug::Error&) {
  }
  return 0;
}
