// Variants for evoaug score-variants: VCF records (SNVs) turned into reference and
// alternative windows of the model's length, or ref/alt sequence pairs read from a TSV.
// No LibTorch here: plain text in, plain strings out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evoaug::analysis {

class IndexedFasta;

struct Variant {
  std::string chrom;
  std::int64_t pos = 0;  ///< 1-based, as in the VCF
  std::string id, ref, alt;
  std::size_t line = 0;  ///< in the VCF, for messages
};

/// The data records of a VCF (header lines skipped). A record with fewer than 5 columns,
/// a position that is not a positive integer, an allele that is not one of A, C, G, T
/// (indels and symbolic alleles are refused: SNVs only), or several ALT alleles is an
/// Error naming file:line and the value.
std::vector<Variant> read_vcf(const std::filesystem::path& file);

/// A variant as two sequences of the model's length; from a pairs TSV also, when it has
/// those columns, the measured effect and the experiment it was measured in (CAGI5).
struct VariantPair {
  std::string id;
  std::string ref, alt;
  std::optional<double> measured;  ///< column "measured"; empty or NA: not measured
  std::string experiment = "all";  ///< column "experiment"; "all" without the column
};

/// The genome as variant_windows reads it: the chromosome names, a chromosome's length
/// (-1 when it has no such chromosome) and a window of it (0-based start, upper-case).
struct GenomeView {
  std::vector<std::string> names;
  std::function<std::int64_t(const std::string& name)> length;
  std::function<std::string(const std::string& name, std::int64_t start, std::int64_t count)> fetch;
};

/// A genome held in memory (read_genome), or read through its .fai index (IndexedFasta).
GenomeView genome_view(const std::map<std::string, std::string>& genome);
GenomeView genome_view(const IndexedFasta& genome);

/// The window of `length` bases around each variant: the variant at index length / 2
/// (0-based), the reference allele checked against the genome, the alternative one
/// substituted. An unknown chromosome, a REF that differs from the genome, or a window
/// that would run past either end of the chromosome is an Error naming vcf:line.
/// An id "." becomes CHROM:POS:REF>ALT.
std::vector<VariantPair> variant_windows(const std::vector<Variant>& variants, const GenomeView& genome,
                                         std::int64_t length, const std::filesystem::path& vcf);
std::vector<VariantPair> variant_windows(const std::vector<Variant>& variants,
                                         const std::map<std::string, std::string>& genome, std::int64_t length,
                                         const std::filesystem::path& vcf);

/// A genome FASTA as chromosome name (first word of the header) to upper-case sequence.
std::map<std::string, std::string> read_genome(const std::filesystem::path& fasta);

/// A TSV with a header naming at least the columns id, ref and alt (ref and alt: whole
/// sequences of the model's length), and optionally measured (a number, or empty / NA)
/// and experiment. Errors name file:line.
std::vector<VariantPair> read_variant_pairs(const std::filesystem::path& tsv, std::int64_t length);

/// The paper's CAGI5 protocol: per experiment (in order of first appearance), the Pearson
/// correlation between the measured effects and `predicted` (one value per pair, e.g. one
/// task's effect) over the pairs that have a measurement. An experiment with fewer than
/// three measured variants, or whose values are constant, has a NaN correlation.
struct ExperimentCorrelation {
  std::string experiment;
  std::size_t variants = 0;
  double pearson = 0.0;
};
std::vector<ExperimentCorrelation> measured_correlations(const std::vector<VariantPair>& pairs,
                                                         const std::vector<double>& predicted);

/// The correlations as a TSV (experiment, variants, pearson) ending in a row "mean" with
/// the mean over the experiments whose correlation is defined.
std::string correlations_tsv(const std::vector<ExperimentCorrelation>& correlations);

}  // namespace evoaug::analysis
