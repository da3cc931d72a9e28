#include "model/model_summary.h"

#include <torch/torch.h>

#include <iomanip>
#include <sstream>
#include <vector>

#include "evoaug/error.h"

namespace evoaug {
namespace {

struct Row {
  std::string name;
  std::string shape;
  std::int64_t parameters;
  std::string module;
};

std::string shape_text(const at::Tensor& t) {
  std::string text = "[N";
  for (std::int64_t d = 1; d < t.dim(); ++d) text += ", " + std::to_string(t.size(d));
  return text + "]";
}

// The module's own one-line description, without namespaces that only add width.
std::string describe(const torch::nn::Module& module) {
  std::ostringstream out;
  module.pretty_print(out);
  std::string text = out.str();
  for (const std::string prefix : {"torch::nn::", "evoaug::sdk::layers::", "evoaug::"}) {
    for (auto at = text.find(prefix); at != std::string::npos; at = text.find(prefix))
      text.erase(at, prefix.size());
  }
  return text;
}

std::string format_table(const std::vector<Row>& rows, std::int64_t total) {
  std::size_t name_width = 5, shape_width = 12;
  for (const auto& row : rows) {
    name_width = std::max(name_width, row.name.size());
    shape_width = std::max(shape_width, row.shape.size());
  }
  std::ostringstream out;
  out << std::left << std::setw(name_width + 2) << "layer" << std::setw(shape_width + 2) << "output shape"
      << std::right << std::setw(12) << "parameters" << "  module\n";
  for (const auto& row : rows)
    out << std::left << std::setw(name_width + 2) << row.name << std::setw(shape_width + 2) << row.shape
        << std::right << std::setw(12) << row.parameters << (row.module.empty() ? "" : "  " + row.module) << "\n";
  out << "parameters: " << total << "\n";
  return out.str();
}

// Rows for a model whose children are all torch::nn::Sequential, running each entry in
// turn; empty when the model is built otherwise (or an entry cannot run on its own).
std::vector<Row> chained_rows(torch::nn::Module& model, at::Tensor x) {
  const auto children = model.named_children();
  std::vector<std::shared_ptr<torch::nn::SequentialImpl>> sequences;
  for (const auto& child : children)
    if (auto sequence = std::dynamic_pointer_cast<torch::nn::SequentialImpl>(child.value()))
      sequences.push_back(sequence);
  if (children.is_empty() || sequences.size() != children.size()) return {};
  std::vector<Row> rows;
  const bool prefix = sequences.size() > 1;
  try {
    for (std::size_t c = 0; c < sequences.size(); ++c) {
      const auto entries = sequences[c]->named_children();
      std::size_t index = 0;
      for (auto& any : *sequences[c]) {
        x = any.forward(x);
        const auto& entry = entries[index++];
        const std::string name = prefix ? children[c].key() + "." + entry.key() : entry.key();
        rows.push_back({name, shape_text(x), count_parameters(*entry.value()), describe(*entry.value())});
      }
    }
  } catch (const c10::Error&) {
    return {};
  }
  return rows;
}

// Restores the training flag however the summary ends.
class EvalModeGuard {
 public:
  explicit EvalModeGuard(torch::nn::Module& module) : module_(module), was_training_(module.is_training()) {
    module_.eval();
  }
  ~EvalModeGuard() { module_.train(was_training_); }

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace

std::int64_t count_parameters(const torch::nn::Module& module) {
  std::int64_t total = 0;
  for (const auto& parameter : module.parameters(/*recurse=*/true)) total += parameter.numel();
  return total;
}

std::string summarize_model(sdk::Model& model, const sdk::ModelShape& shape) {
  if (shape.alphabet < 1 || shape.length < 1)
    throw Error("model summary: the input shape must be positive, got A = " + std::to_string(shape.alphabet) +
                ", L = " + std::to_string(shape.length));
  EvalModeGuard eval_mode(model);
  torch::NoGradGuard no_grad;
  const auto parameters = model.parameters();
  const auto options = parameters.empty() ? torch::TensorOptions().dtype(torch::kFloat32)
                                          : torch::TensorOptions().dtype(parameters.front().dtype())
                                                .device(parameters.front().device());
  const at::Tensor input = torch::zeros({1, shape.alphabet, shape.length}, options);
  std::vector<Row> rows{{"input", shape_text(input), 0, ""}};
  try {
    const at::Tensor output = model.forward(input);
    std::vector<Row> chain = chained_rows(model, input);
    // Trust the per-entry rows only if they end where forward() does.
    if (!chain.empty() && chain.back().shape == shape_text(output)) {
      rows.insert(rows.end(), chain.begin(), chain.end());
    } else {
      for (const auto& child : model.named_children())
        rows.push_back({child.key(), "-", count_parameters(*child.value()), describe(*child.value())});
      rows.push_back({"output", shape_text(output), 0, ""});
    }
  } catch (const c10::Error& error) {
    throw Error("model summary: the model cannot run an input of shape (N, " + std::to_string(shape.alphabet) +
                ", " + std::to_string(shape.length) + "): " + error.what_without_backtrace());
  }
  return format_table(rows, count_parameters(model));
}

}  // namespace evoaug
