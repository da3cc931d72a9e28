// The public augment-a-FASTA API (evoaug/augment_fasta.h). In the train layer: it needs
// both the augmentation pipeline and the FASTA reader.
#include "evoaug/augment_fasta.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include "augment/augment_config.h"
#include "config/toml_source.h"
#include "data/fasta.h"
#include "evoaug/augment_pipeline.h"
#include "evoaug/error.h"
#include "pipeline/pipeline_file.h"
#include "util/file_safety.h"

namespace evoaug {
namespace {

constexpr std::int64_t kChunk = 1024;

/// The pipeline without the ops that letters cannot show (noise).
AugmentPipeline showable(const AugmentPipeline& pipeline, const sdk::SequenceShape& shape) {
  std::vector<AugmentOp> kept;
  for (const auto& op : pipeline.ops()) {
    if (op.augmentation->keeps_one_hot()) {
      kept.push_back(op);
    } else {
      spdlog::warn("evoaug augment: skipping op '{}': its output is not one-hot, so it cannot be written as letters",
                   op.name);
    }
  }
  AugmentSettings settings = pipeline.settings();
  if (!kept.empty() && settings.max_augs_per_seq > static_cast<int>(kept.size())) {
    spdlog::warn("evoaug augment: max_augs_per_seq lowered from {} to {}, the number of ops left",
                 settings.max_augs_per_seq, kept.size());
    settings.max_augs_per_seq = static_cast<int>(kept.size());
  }
  return AugmentPipeline(std::move(kept), settings, shape);
}

/// Letters of one-hot rows; a column that is not exactly one-hot (an N) is written N.
std::vector<std::string> decode_rows(const at::Tensor& batch) {
  const at::Tensor exact = (batch.eq(0) | batch.eq(1)).all(1) & batch.sum(1).eq(1);
  const at::Tensor letters = at::where(exact, batch.argmax(1), at::full_like(exact, 4, at::kLong)).contiguous();
  std::vector<std::string> rows;
  const auto* p = letters.data_ptr<std::int64_t>();
  const std::int64_t length = letters.size(1);
  for (std::int64_t r = 0; r < letters.size(0); ++r) {
    std::string row(static_cast<std::size_t>(length), 'N');
    for (std::int64_t j = 0; j < length; ++j) row[static_cast<std::size_t>(j)] = "ACGTN"[p[r * length + j]];
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::string augment_fasta(PluginRegistry& registry, const AugmentFastaRequest& request) {
  const std::string in = request.input.string();
  check_output_file(request.output, "evoaug augment: --out", {{"--config", request.config}, {"--in", request.input}},
                    request.replace_existing);
  const std::int64_t copies = request.copies;
  if (copies < 1) throw Error("evoaug augment: --copies must be at least 1, got " + std::to_string(copies));
  std::vector<Override> overrides;
  for (const auto& s : request.overrides) overrides.push_back(parse_override(s));

  const std::vector<FastaRecord> records = read_fasta(request.input);
  if (records.empty()) throw Error("evoaug augment: " + in + " holds no sequences");
  const std::int64_t length = static_cast<std::int64_t>(records.front().sequence.size());
  for (const auto& record : records)
    if (static_cast<std::int64_t>(record.sequence.size()) != length)
      throw Error("evoaug augment: " + in + ":" + std::to_string(record.line) + ": sequence '" + record.id +
                  "' has " + std::to_string(record.sequence.size()) + " nt but the first has " +
                  std::to_string(length) + "; a batch needs one length");

  const PipelineFile file = read_pipeline_file(request.config, overrides);
  load_plugins_table(file, registry);
  const sdk::SequenceShape shape{4, length};
  const AugmentPipeline pipeline = showable(read_augment_pipeline(file, registry, shape), shape);
  if (pipeline.empty())
    spdlog::warn("evoaug augment: {} configures no op that can be shown; writing the input", request.config.string());

  at::Generator generator = make_generator(c10::kCPU, request.seed);
  std::vector<FastaRecord> written;
  for (std::int64_t copy = 1; copy <= copies; ++copy) {
    for (std::size_t start = 0; start < records.size(); start += kChunk) {
      const std::size_t end = std::min(records.size(), start + static_cast<std::size_t>(kChunk));
      std::vector<std::string> sequences;
      for (std::size_t i = start; i < end; ++i) sequences.push_back(records[i].sequence);
      const at::Tensor batch = one_hot_encode(sequences, NPolicy::uniform).to(at::kFloat);
      const std::vector<std::string> rows = decode_rows(pipeline.augment(batch, generator));
      for (std::size_t i = start; i < end; ++i)
        written.push_back({records[i].id + (copies > 1 ? "_aug" + std::to_string(copy) : std::string()),
                           rows[i - start], 0});
    }
  }
  write_fasta(request.output, written);
  return "wrote " + std::to_string(written.size()) + " augmented sequence(s) of " +
         std::to_string(pipeline.output_length()) + " nt (" + std::to_string(copies) + " cop" +
         (copies == 1 ? "y" : "ies") + " of " + std::to_string(records.size()) + ", input " + std::to_string(length) +
         " nt) to " + request.output.string() + "\n";
}

}  // namespace evoaug
