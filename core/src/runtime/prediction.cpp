#include "runtime/prediction.h"

#include <torch/torch.h>

#include <cstdio>
#include <sstream>

#include "data/fasta.h"
#include "data/hdf5_io.h"
#include "evoaug/error.h"

namespace evoaug {
namespace fs = std::filesystem;

PredictionInput read_prediction_input(const fs::path& input, std::int64_t alphabet, std::int64_t length) {
  PredictionInput in;
  const bool hdf5 = input.extension() == ".h5" || input.extension() == ".hdf5";
  if (hdf5) {
    in.x = read_hdf5_dataset(input).test.x;
    for (std::int64_t i = 0; i < in.x.size(0); ++i) in.ids.push_back("test_" + std::to_string(i));
  } else {
    std::vector<std::string> sequences;
    for (auto& record : read_fasta(input)) {
      if (static_cast<std::int64_t>(record.sequence.size()) != length)
        throw Error(input.string() + ":" + std::to_string(record.line) + ": sequence '" + record.id + "' has length " +
                    std::to_string(record.sequence.size()) + "; the model was trained on length " +
                    std::to_string(length));
      in.ids.push_back(record.id);
      sequences.push_back(std::move(record.sequence));
    }
    if (sequences.empty()) throw Error(input.string() + ": no sequences");
    in.x = one_hot_encode(sequences, NPolicy::uniform);
  }
  if (in.x.size(1) != alphabet || in.x.size(2) != length)
    throw Error(input.string() + ": sequences of shape (" + std::to_string(in.x.size(1)) + ", " +
                std::to_string(in.x.size(2)) + "); the model was trained on (" + std::to_string(alphabet) + ", " +
                std::to_string(length) + ")");
  return in;
}

std::string predictions_tsv(const std::vector<std::string>& ids, const at::Tensor& outputs,
                            const std::vector<std::string>& task_names) {
  const at::Tensor values_f64 = outputs.to(torch::kFloat64).contiguous();
  std::ostringstream tsv;
  tsv << "id";
  for (std::int64_t t = 0; t < values_f64.size(1); ++t)
    tsv << "\t" << (t < static_cast<std::int64_t>(task_names.size()) ? task_names[t] : "task_" + std::to_string(t));
  tsv << "\n";
  const auto values = values_f64.accessor<double, 2>();
  char cell[32];
  for (std::int64_t i = 0; i < values_f64.size(0); ++i) {
    tsv << ids[i];
    for (std::int64_t t = 0; t < values_f64.size(1); ++t) {
      std::snprintf(cell, sizeof cell, "\t%.6g", values[i][t]);
      tsv << cell;
    }
    tsv << "\n";
  }
  return tsv.str();
}

}  // namespace evoaug
