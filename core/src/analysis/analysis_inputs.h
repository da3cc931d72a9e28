// What the analysis commands share: finding a run's checkpoint, reading the sequences to
// analyse, and writing attribution maps.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/attribution.h"
#include "analysis/variants.h"
#include "evoaug/runtime.h"

namespace evoaug::analysis {

/// A checkpoint file as given, or for a run folder (the output_dir of a pipeline) its
/// checkpoints/finetune-best.pt, else checkpoints/pretrain-best.pt; an Error naming
/// what was looked for otherwise.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& run_or_checkpoint);

struct AnalysisSequences {
  std::vector<std::string> ids;
  at::Tensor x;  ///< one-hot (N, A, L) float32
};

/// The sequences of a FASTA file (every record) or of an HDF5 file in the paper's layout
/// (its test split, ids test_0, test_1, ...); at most `limit` of them (0: all). Each must
/// have the model's alphabet and length: an Error naming file, line and id otherwise.
AnalysisSequences read_analysis_sequences(const std::filesystem::path& input, std::int64_t alphabet,
                                          std::int64_t length, std::int64_t limit);

/// The output column named by `task`: a number (0-based) or one of `task_names`.
std::int64_t resolve_task(const std::string& task, const std::vector<std::string>& task_names);

struct AttributeOutput {
  at::Tensor maps;         ///< (N, A, L) float32
  at::Tensor predictions;  ///< (N,) the explained output, raw
};

/// Attribution maps for `sequences` with `model`, written to `output` (HDF5: datasets
/// "attributions" (N, 4, L) float32, "x" (N, 4, L) uint8, "predictions" (N,) float32;
/// root attributes "ids" (tab-separated), "method", "task", "corrected"), and SVG logos
/// of the first `logos` maps beside it (OUTPUT_STEM.logo_K.svg: the attribution at the
/// observed nucleotide, or the whole matrix for ISM).
AttributeOutput run_attribution(const Pipeline::AnalysisModel& model, const AnalysisSequences& sequences,
                                const AttributionOptions& options, const std::filesystem::path& output,
                                std::int64_t logos);

/// How well a map points at the planted motifs of a synthetic file (evoaug attribute
/// --truth): the AUROC and AUPRC (average precision) of each position's importance
/// (|attribution at the observed nucleotide|; for ISM the mean |effect| of its three
/// mutations) for telling positions inside a planted site from the rest, over the first
/// maps.size(0) sequences. `sites` is (M, 4): sequence, motif, start, strand, as `evoaug
/// synth` writes sites_test; `widths[motif]` the motifs' widths. The AUPRC of flat maps
/// is the share of positions inside sites (its chance level), returned as `positives`.
struct PlantedSiteScores {
  double auroc = 0.0, auprc = 0.0;
  double positives = 0.0;  ///< share of positions inside a planted site
};
PlantedSiteScores planted_site_scores(const at::Tensor& maps, const at::Tensor& x, const at::Tensor& sites,
                                      const std::vector<std::int64_t>& widths, AttributionMethod method);

/// The `sites_test` dataset of an `evoaug synth` file, (M, 4) int64; an Error naming the
/// file when it has none (a file not written by evoaug synth).
at::Tensor read_planted_sites(const std::filesystem::path& file);

struct VariantScores {
  at::Tensor ref, alt;  ///< (N, T) predictions: regression values, or probabilities for a classifier
  at::Tensor effect;    ///< (N, T) alt - ref for regression; logit(alt) - logit(ref) for a classifier
};

/// Predictions for both sequences of every pair and the effect of the variant.
VariantScores score_variant_pairs(const ForwardFn& forward, const std::vector<VariantPair>& pairs, bool logits,
                                  std::int64_t batch_size);

/// The TSV of evoaug score-variants: id, then per task TASK_ref, TASK_alt, TASK_effect.
std::string variant_scores_tsv(const std::vector<VariantPair>& pairs, const std::vector<std::string>& task_names,
                               const VariantScores& scores);

}  // namespace evoaug::analysis
