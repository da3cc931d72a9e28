// Motifs as position frequency matrices: the MEME text format (what JASPAR distributes)
// and a Tomtom-like comparison of a model's filters with a motif database. No LibTorch.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace evoaug::analysis {

struct Motif {
  std::string name;                          ///< MEME's motif id (e.g. MA0139.1, filter_3)
  std::string alt_name;                      ///< MEME's optional second word (e.g. CTCF)
  std::vector<std::array<double, 4>> columns;  ///< A, C, G, T frequencies per position
  std::int64_t sites = 0;                    ///< aligned sequences counted (0: unknown)
};

/// MEME minimal motif format, version 4, DNA, uniform background.
std::string write_meme(const std::vector<Motif>& motifs);

/// Reads the motifs of a MEME file (minimal or full): every "MOTIF id [alt]" followed by
/// a "letter-probability matrix: ... w= W" line and W rows of 4 numbers. A malformed
/// matrix is an Error naming file:line.
std::vector<Motif> read_meme(const std::filesystem::path& file);

/// The motif of the other strand.
Motif reverse_complement(const Motif& motif);

struct CompareOptions {
  bool euclidean = false;        ///< column score 1 - sqrt(2) x Euclidean distance instead of Pearson correlation
  std::int64_t min_overlap = 5;  ///< columns two aligned motifs must share (or the shorter's width)
  std::int64_t shuffles = 1000;  ///< null alignments per pair, target columns shuffled
  std::uint64_t seed = 1;
  double q_threshold = 0.05;     ///< a filter "hits" a motif when its q-value is below this
};

struct MotifMatch {
  std::size_t query = 0, target = 0;  ///< indices into the two lists
  double score = 0.0;                 ///< summed column score of the best alignment
  std::int64_t offset = 0;            ///< target column 0 sits at query column `offset`
  char strand = '+';                  ///< '-': the target's reverse complement matched
  std::int64_t overlap = 0;
  double p_value = 1.0, q_value = 1.0;
};

/// Every query against every target: the best alignment over all offsets and both
/// strands, scored by the summed column similarity over the overlap; its p-value is the
/// fraction of `shuffles` column-shuffled copies of the target that align at least as
/// well, (1 + k) / (1 + shuffles); q-values by Benjamini-Hochberg over each query's
/// matches with the whole database (Tomtom's convention).
std::vector<MotifMatch> compare_motifs(const std::vector<Motif>& queries, const std::vector<Motif>& targets,
                                       const CompareOptions& options);

struct MatchSummary {
  double hit_rate = 0.0;     ///< fraction of queries whose best match has q below the threshold
  double mean_best_q = 1.0;  ///< mean over queries of their best match's q-value
  std::vector<MotifMatch> best;  ///< per query, its best match (lowest q, then highest score)
};
MatchSummary summarize_matches(const std::vector<MotifMatch>& matches, std::size_t queries, double q_threshold);

}  // namespace evoaug::analysis
