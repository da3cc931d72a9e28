#include "train/checkpoint.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

constexpr std::int64_t kFormatVersion = 1;
constexpr const char* kFormatName = "evoaug-checkpoint";

std::map<std::string, at::Tensor> state_dict(const torch::nn::Module& model) {
  std::map<std::string, at::Tensor> out;
  for (const auto& p : model.named_parameters(/*recurse=*/true)) out[p.key()] = p.value().detach().cpu();
  for (const auto& b : model.named_buffers(/*recurse=*/true)) out[b.key()] = b.value().detach().cpu();
  return out;
}

c10::Dict<std::string, at::Tensor> to_dict(const std::map<std::string, at::Tensor>& tensors) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : tensors) dict.insert(name, tensor.detach().cpu().contiguous());
  return dict;
}

std::map<std::string, at::Tensor> from_dict(const c10::IValue& value) {
  std::map<std::string, at::Tensor> out;
  for (const auto& entry : value.toGenericDict()) out[entry.key().toStringRef()] = entry.value().toTensor();
  return out;
}

// Typed access with an error that says which entry is wrong.
struct Reader {
  const c10::impl::GenericDict& dict;
  const fs::path& file;
  const c10::IValue& at(const std::string& key) const {
    auto it = dict.find(key);
    if (it == dict.end())
      throw Error("checkpoint '" + file.string() + "' has no entry '" + key +
                  "' (written by another version of evoaug?)");
    return it->value();
  }
  std::string string(const std::string& key) const { return at(key).toStringRef(); }
  std::int64_t integer(const std::string& key) const { return at(key).toInt(); }
  double real(const std::string& key) const { return at(key).toDouble(); }
  bool boolean(const std::string& key) const { return at(key).toBool(); }
};

}  // namespace

void save_checkpoint(const fs::path& file, const torch::nn::Module& model, const CheckpointState& s) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormatName));
  dict.insert("format_version", kFormatVersion);
  dict.insert("model", to_dict(state_dict(model)));
  dict.insert("stage", s.stage);
  dict.insert("epoch", static_cast<std::int64_t>(s.epoch));
  dict.insert("batches_done", s.batches_done);
  dict.insert("finished", s.finished);
  dict.insert("stop_reason", s.stop_reason);
  dict.insert("best_loss", s.schedule.best_loss);
  dict.insert("best_epoch", static_cast<std::int64_t>(s.schedule.best_epoch));
  dict.insert("epochs_without_improvement", static_cast<std::int64_t>(s.schedule.epochs_without_improvement));
  dict.insert("epochs_since_lr_change", static_cast<std::int64_t>(s.schedule.epochs_since_lr_change));
  dict.insert("learning_rate", s.schedule.learning_rate);
  dict.insert("epoch_loss_sum", s.epoch_loss_sum);
  dict.insert("epoch_sequences", s.epoch_sequences);
  dict.insert("stage_seconds", s.stage_seconds);
  dict.insert("history_csv", s.history_csv);
  dict.insert("config_toml", s.config_toml);
  dict.insert("source_name", s.source_name);
  dict.insert("base_dir", s.base_dir);
  c10::Dict<std::string, std::string> components;
  for (const auto& [name, version] : s.components) components.insert(name, version);
  dict.insert("components", components);
  dict.insert("generator_states", to_dict(s.generator_states));
  dict.insert("optimizer", s.optimizer.defined() ? s.optimizer.cpu() : torch::empty({0}, torch::kUInt8));

  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomically(file, std::string(bytes.begin(), bytes.end()));
}

Checkpoint read_checkpoint(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open checkpoint '" + file.string() + "'");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  c10::IValue root;
  try {
    root = torch::pickle_load(bytes);
  } catch (const std::exception& e) {
    throw Error("'" + file.string() + "' is not an evoaug checkpoint (cannot be read as a PyTorch file)");
  }
  if (!root.isGenericDict()) throw Error("'" + file.string() + "' is not an evoaug checkpoint");
  const auto dict = root.toGenericDict();
  const Reader r{dict, file};
  if (dict.find("format") == dict.end() || r.string("format") != kFormatName)
    throw Error("'" + file.string() + "' is a PyTorch file but not an evoaug checkpoint");
  if (r.integer("format_version") > kFormatVersion)
    throw Error("checkpoint '" + file.string() + "' has format version " +
                std::to_string(r.integer("format_version")) + "; this evoaug reads up to " +
                std::to_string(kFormatVersion));

  Checkpoint out;
  out.weights = from_dict(r.at("model"));
  CheckpointState& s = out.state;
  s.stage = r.string("stage");
  s.epoch = static_cast<int>(r.integer("epoch"));
  s.batches_done = r.integer("batches_done");
  s.finished = r.boolean("finished");
  s.stop_reason = r.string("stop_reason");
  s.schedule.best_loss = r.real("best_loss");
  s.schedule.best_epoch = static_cast<int>(r.integer("best_epoch"));
  s.schedule.epochs_without_improvement = static_cast<int>(r.integer("epochs_without_improvement"));
  s.schedule.epochs_since_lr_change = static_cast<int>(r.integer("epochs_since_lr_change"));
  s.schedule.learning_rate = r.real("learning_rate");
  s.epoch_loss_sum = r.real("epoch_loss_sum");
  s.epoch_sequences = r.integer("epoch_sequences");
  s.stage_seconds = r.real("stage_seconds");
  s.history_csv = r.string("history_csv");
  s.config_toml = r.string("config_toml");
  s.source_name = r.string("source_name");
  s.base_dir = r.string("base_dir");
  for (const auto& entry : r.at("components").toGenericDict())
    s.components.emplace_back(entry.key().toStringRef(), entry.value().toStringRef());
  s.generator_states = from_dict(r.at("generator_states"));
  s.optimizer = r.at("optimizer").toTensor();
  return out;
}

void load_weights(torch::nn::Module& model, const std::map<std::string, at::Tensor>& weights,
                  const fs::path& source) {
  const std::string where = "checkpoint '" + source.string() + "'";
  std::size_t used = 0;
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& name, at::Tensor& target) {
    auto it = weights.find(name);
    if (it == weights.end())
      throw Error(where + " has no tensor '" + name + "': it was written for another model or configuration");
    if (it->second.sizes() != target.sizes())
      throw Error(where + ": tensor '" + name + "' has shape " + c10::str(it->second.sizes()) +
                  " but the model expects " + c10::str(target.sizes()) + " (another [model] or input length?)");
    target.copy_(it->second);
    ++used;
  };
  for (auto& p : model.named_parameters(true)) copy(p.key(), p.value());
  for (auto& b : model.named_buffers(true)) copy(b.key(), b.value());
  if (used != weights.size())
    throw Error(where + " has " + std::to_string(weights.size() - used) +
                " tensor(s) the model does not have: it was written for another model or configuration");
}

}  // namespace evoaug
