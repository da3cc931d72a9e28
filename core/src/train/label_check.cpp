#include "train/label_check.h"

#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "data/line_reader.h"
#include "evoaug/error.h"

namespace evoaug {
namespace {

std::vector<std::string> tab_fields(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
    fields.push_back(line.substr(start, tab - start));
  fields.push_back(line.substr(start));
  return fields;
}

// "labels.tsv:19: sequence 's17', task 'bound': label 5": the label file's first line
// with a label outside [0, 1]; empty when none (the bad label is then elsewhere).
std::string first_bad_label_line(const std::filesystem::path& file) {
  LineReader reader(file, "label file");
  std::string line;
  if (!reader.next(line)) return "";
  const std::vector<std::string> header = tab_fields(line);
  while (reader.next(line)) {
    const std::vector<std::string> fields = tab_fields(line);
    for (std::size_t i = 1; i < fields.size(); ++i) {
      char* end = nullptr;
      const double value = std::strtod(fields[i].c_str(), &end);
      if (end == fields[i].c_str() || (value >= 0 && value <= 1)) continue;
      return reader.where() + ": sequence '" + fields[0] + "', task '" + (i < header.size() ? header[i] : "?") +
             "': label " + fields[i];
    }
  }
  return "";
}

}  // namespace

void require_labels_fit_loss(const Split& split, const std::string& split_name, const Dataset& data,
                             LossKind loss, const std::string& context, const std::filesystem::path& label_file) {
  if (loss != LossKind::bce || split.size() == 0 || !split.y.defined()) return;
  const at::Tensor y = split.y.to(torch::kFloat64);
  // NaN fails both comparisons, so it is refused too.
  const at::Tensor bad = (~((y >= 0) & (y <= 1))).nonzero();
  if (bad.size(0) == 0) return;
  const std::int64_t row = bad[0][0].item<std::int64_t>(), task = bad[0][1].item<std::int64_t>();
  const double value = y[row][task].item<double>();
  const std::string task_name =
      task < static_cast<std::int64_t>(data.task_names.size()) ? data.task_names[task] : "task_" + std::to_string(task);
  char number[32];
  std::snprintf(number, sizeof number, "%.6g", value);
  const std::string in_file = label_file.empty() ? "" : first_bad_label_line(label_file);
  const std::string where = !in_file.empty() ? in_file + " is not in [0, 1] (split '" + split_name + "' has " +
                                                   std::to_string(bad.size(0)) + " such label(s))"
                                             : data.source + ": split '" + split_name + "', row " +
                                                   std::to_string(row) + ", task '" + task_name + "': label " +
                                                   number + " is not in [0, 1] (" + std::to_string(bad.size(0)) +
                                                   " such label(s) in this split)";
  throw Error(where + ". " + context +
              " trains with binary cross-entropy, which needs labels in [0, 1] (0/1 classes or probabilities). "
              "For other targets use a regression model, or set loss = \"mse\" in [pretrain] and [finetune]");
}

void require_labels_fit_loss(const Dataset& data, LossKind loss, const std::string& context,
                             const std::filesystem::path& label_file) {
  require_labels_fit_loss(data.train, "train", data, loss, context, label_file);
  require_labels_fit_loss(data.valid, "valid", data, loss, context, label_file);
  require_labels_fit_loss(data.test, "test", data, loss, context, label_file);
}

}  // namespace evoaug
