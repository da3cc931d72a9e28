// The paper's interpretability analyses on a trained model, as `evoaug attribute`,
// `evoaug score-variants` and `evoaug filters` run them (docs/interpretation.md), for an
// application that has a Pipeline (Runtime::from_checkpoint: the configuration stored in
// the checkpoint; or Runtime::load) and the checkpoint whose weights to explain.
//
//   evoaug::Runtime runtime;
//   const auto checkpoint = evoaug::resolve_checkpoint("runs/quickstart");
//   const evoaug::Pipeline pipeline = runtime.from_checkpoint(checkpoint);
//   evoaug::AttributeRequest request;
//   request.input = "test.fa";
//   request.output = "maps.h5";
//   std::cout << evoaug::write_attributions(pipeline, checkpoint, request);
//
// Each checks its output files first (an output that is one of its inputs, a folder, or
// an existing file without `replace_existing` is an Error), writes them atomically, and
// returns what the command prints. Errors are evoaug::Error naming the file at fault;
// their texts name the commands' options (--out, --motifs, ...).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "evoaug/runtime.h"

namespace evoaug {

/// A checkpoint file as given, or for a run folder (the output_dir of a pipeline) its
/// checkpoints/finetune-best.pt, else checkpoints/pretrain-best.pt; an Error naming what
/// was looked for otherwise.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& run_or_checkpoint);

/// `evoaug attribute`: attribution maps of a model's output for each input sequence.
struct AttributeRequest {
  std::filesystem::path input;   ///< FASTA (every record) or HDF5 in the paper's layout (its test split)
  std::filesystem::path output;  ///< HDF5 of the maps; SVG logos of the first `logos` beside it
  std::string method = "saliency";  ///< saliency, input_x_gradient, ism or gradient_shap
  std::string task = "0";           ///< the output explained: a 0-based number or a task name
  bool correct = true;              ///< Majdandzic et al.'s gradient correction
  std::int64_t references = 1000;   ///< gradient_shap: random references per sequence
  std::int64_t batch_size = 128;
  std::int64_t limit = 0;           ///< at most this many sequences; 0: all
  std::int64_t logos = 3;
  std::uint64_t seed = 1;
  /// Also score the maps against the planted sites of an `evoaug synth` file (input).
  bool truth = false;
  bool replace_existing = false;
};
/// Writes the maps; returns the --truth line, or "".
std::string write_attributions(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                               const AttributeRequest& request);

/// `evoaug score-variants`: the predicted effect of each variant, from ref/alt pairs or
/// from a VCF and the reference genome it refers to (read through its .fai index, built
/// beside it when missing).
struct ScoreVariantsRequest {
  std::filesystem::path pairs;      ///< TSV: id, ref, alt [, measured, experiment]; or empty and:
  std::filesystem::path vcf;        ///< a VCF of single-base variants, with
  std::filesystem::path reference;  ///< the genome FASTA its positions refer to
  std::filesystem::path output;     ///< the scores' TSV
  std::int64_t batch_size = 128;
  /// The task whose effect is correlated with measured effects (OUTPUT_STEM.correlations.tsv,
  /// written when the pairs carry them): a 0-based number or a task name.
  std::string task = "0";
  bool replace_existing = false;
};
/// Writes the scores (and the correlations table); returns the correlations, or "".
std::string write_variant_scores(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                                 const ScoreVariantsRequest& request);

/// `evoaug filters`: the first layer's filters as motifs (MEME, logos), optionally
/// compared with a motif database.
struct FiltersRequest {
  std::filesystem::path input;       ///< the sequences whose activations define the motifs
  std::filesystem::path output_dir;  ///< filters.meme, FILTER.svg, matches.tsv, summary.txt
  double threshold = 0.5;            ///< a site: activation above this share of the filter's maximum
  std::int64_t limit = 0;            ///< at most this many sequences; 0: all
  std::int64_t batch_size = 256;
  bool logos = true;
  std::filesystem::path motifs;      ///< a MEME database to compare with; empty: none
  std::vector<std::string> exclude;  ///< motif names of the database left out
  bool euclidean = false;            ///< compare by Euclidean distance instead of Pearson correlation
  std::int64_t shuffles = 1000;      ///< null distribution of the comparison
  std::uint64_t seed = 1;
};
/// Reads the motif database before the model, writes the motifs (and the comparison);
/// returns the hit-rate line, or "".
std::string write_filter_motifs(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                                const FiltersRequest& request);

}  // namespace evoaug
