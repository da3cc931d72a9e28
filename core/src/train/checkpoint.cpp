#include "train/checkpoint.h"

#include <caffe2/serialize/inline_container.h>
#include <spdlog/spdlog.h>
#include <torch/csrc/jit/serialization/unpickler.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "evoaug/error.h"
#include "util/file_safety.h"
#include "util/digest.h"
#include "evoaug/error_text.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

// 2: a checksum of the payload and the input shape (input_alphabet, input_length, tasks).
constexpr std::int64_t kFormatVersion = 2;
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

// The checksum of everything a checkpoint holds, in a fixed order: what save_checkpoint
// writes as "checksum" and read_checkpoint recomputes from what it read.
std::string payload_digest(const std::map<std::string, at::Tensor>& weights, const CheckpointState& s) {
  Fnv1a64 h;
  auto tensor = [&](const std::string& name, const at::Tensor& t) {
    h.add_string(name);
    if (!t.defined()) {
      h.add_value<std::int64_t>(-1);
      return;
    }
    const at::Tensor c = t.detach().cpu().contiguous();
    h.add_string(c10::toString(c.scalar_type()));
    h.add_value<std::int64_t>(c.dim());
    for (const auto size : c.sizes()) h.add_value<std::int64_t>(size);
    const auto bytes = static_cast<std::size_t>(c.numel()) * c.element_size();
    h.add_value<std::uint64_t>(bytes);
    if (bytes > 0) h.add(c.data_ptr(), bytes);
  };
  // NaN's bits need not survive a round trip; its meaning does.
  auto real = [&](double v) { h.add_value<double>(std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v); };
  for (const auto& [name, t] : weights) tensor("model." + name, t);
  for (const auto& [name, t] : s.generator_states) tensor("generator." + name, t);
  tensor("optimizer", s.optimizer);
  for (const std::string* text : {&s.stage, &s.stop_reason, &s.history_csv, &s.config_toml, &s.source_name,
                                  &s.base_dir})
    h.add_string(*text);
  auto components = s.components;
  std::sort(components.begin(), components.end());
  for (const auto& [name, version] : components) h.add_string(name + "=" + version);
  for (const std::int64_t v : {std::int64_t{s.epoch}, s.batches_done, std::int64_t{s.finished},
                               std::int64_t{s.schedule.best_epoch}, std::int64_t{s.schedule.epochs_without_improvement},
                               std::int64_t{s.schedule.epochs_since_lr_change}, s.epoch_sequences, s.input_alphabet,
                               s.input_length, s.tasks})
    h.add_value<std::int64_t>(v);
  for (const double v : {s.schedule.best_loss, s.schedule.learning_rate, s.epoch_loss_sum, s.stage_seconds}) real(v);
  return h.text();
}

// The bytes each tensor data record holds, by the address its storage reads from: the
// unpickler sizes a storage from the numel the pickle declares, not from the record, so
// a record cut short would otherwise be read past its end.
using RecordSizes = std::map<const void*, std::size_t>;

// torch::pickle_load, with the records' sizes kept (the same steps as LibTorch's
// readArchiveAndTensors for pickle_load's archive "data").
c10::IValue unpickle(const fs::path& file, RecordSizes& record_sizes) {
  caffe2::serialize::PyTorchStreamReader reader(file.string());
  auto pickle = reader.getRecord("data.pkl");
  const char* data = static_cast<const char*>(std::get<0>(pickle).get());
  const std::size_t size = std::get<1>(pickle);
  std::size_t offset = 0;
  auto read = [&](char* buffer, std::size_t len) -> std::size_t {
    if (offset >= size) return 0;
    len = std::min(size - offset, len);
    std::memcpy(buffer, data + offset, len);
    offset += len;
    return len;
  };
  auto read_record = [&](const std::string& name) {
    auto record = reader.getRecord("data/" + name);
    at::DataPtr ptr = std::move(std::get<0>(record));
    record_sizes[ptr.get()] = std::get<1>(record);
    return ptr;
  };
  torch::jit::Unpickler unpickler(read, nullptr, nullptr, read_record, c10::nullopt);
  unpickler.set_version(reader.version());
  return unpickler.parse_ivalue();
}

// Before a tensor's data is read: its record must hold every byte its shape reaches.
void check_tensor_data(const at::Tensor& t, const std::string& name, const RecordSizes& records,
                       const fs::path& file) {
  if (!t.defined() || t.numel() == 0) return;
  const auto it = records.find(t.storage().data_ptr().get());
  const std::int64_t available = it == records.end() ? 0 : static_cast<std::int64_t>(it->second);
  bool valid = t.storage_offset() >= 0 && static_cast<std::int64_t>(t.storage().nbytes()) <= available;
  std::int64_t last = t.storage_offset();
  for (std::int64_t d = 0; d < t.dim(); ++d) {
    valid = valid && t.stride(d) >= 0;
    last += (t.size(d) - 1) * t.stride(d);
  }
  const std::int64_t needed = (last + 1) * static_cast<std::int64_t>(t.element_size());
  if (!valid || needed > available)
    throw Error("checkpoint '" + file.string() + "' is damaged: tensor '" + name + "' of shape " +
                c10::str(t.sizes()) + " needs " + std::to_string(needed) + " bytes but its data holds " +
                std::to_string(available) + " (a truncated or rewritten file); it cannot be used");
}

}  // namespace

void save_checkpoint(const fs::path& file, const torch::nn::Module& model, const CheckpointState& s) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("format", std::string(kFormatName));
  dict.insert("format_version", kFormatVersion);
  dict.insert("model", to_dict(state_dict(model)));  // the same tensors as `weights` below
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
  dict.insert("input_alphabet", s.input_alphabet);
  dict.insert("input_length", s.input_length);
  dict.insert("tasks", s.tasks);
  // What is written is what the checksum covers: contiguous CPU copies.
  CheckpointState stored = s;
  stored.optimizer = s.optimizer.defined() ? s.optimizer.cpu().contiguous() : torch::empty({0}, torch::kUInt8);
  dict.insert("optimizer", stored.optimizer);
  std::map<std::string, at::Tensor> weights;
  for (const auto& [name, t] : state_dict(model)) weights[name] = t.contiguous();
  for (auto& [name, t] : stored.generator_states) t = t.detach().cpu().contiguous();
  dict.insert("checksum", payload_digest(weights, stored));

  const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
  write_file_atomically(file, std::string(bytes.begin(), bytes.end()));
}

Checkpoint read_checkpoint(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw Error("checkpoint '" + file.string() + "' is a folder; give a checkpoint file in it, such as " +
                (file / "checkpoints" / "finetune-best.pt").string());
  if (!fs::exists(file, ec)) throw Error("checkpoint '" + file.string() + "' does not exist");
  std::ifstream probe(file, std::ios::binary);
  if (!probe) throw Error("cannot open checkpoint '" + file.string() + "'");
  probe.close();
  RecordSizes records;
  c10::IValue root;
  try {
    root = unpickle(file, records);
  } catch (const std::exception& e) {
    throw Error("'" + file.string() + "' is not an evoaug checkpoint, or is damaged (cannot be read as a PyTorch file: " +
                first_line(e) + ")");
  }
  if (!root.isGenericDict()) throw Error("'" + file.string() + "' is not an evoaug checkpoint");
  const auto dict = root.toGenericDict();
  const Reader r{dict, file};
  try {
    if (dict.find("format") == dict.end() || !r.at("format").isString() || r.string("format") != kFormatName)
      throw Error("'" + file.string() + "' is a PyTorch file but not an evoaug checkpoint");
    const std::int64_t version = r.integer("format_version");
    if (version > kFormatVersion)
      throw Error("checkpoint '" + file.string() + "' has format version " + std::to_string(version) +
                  "; this evoaug reads up to " + std::to_string(kFormatVersion));

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

    // Sizes first: the checksum reads every byte.
    for (const auto& [name, t] : out.weights) check_tensor_data(t, name, records, file);
    for (const auto& [name, t] : s.generator_states) check_tensor_data(t, "generator_states." + name, records, file);
    check_tensor_data(s.optimizer, "optimizer", records, file);

    if (version >= 2) {
      s.input_alphabet = r.integer("input_alphabet");
      s.input_length = r.integer("input_length");
      s.tasks = r.integer("tasks");
      const std::string expected = r.string("checksum");
      const std::string actual = payload_digest(out.weights, s);
      if (actual != expected)
        throw Error("checkpoint '" + file.string() + "' is damaged: its contents do not match the checksum written "
                    "with it (" + expected + ", read " + actual + "); it cannot be used");
    } else {
      spdlog::warn("checkpoint '{}' has format version 1, written without a checksum: its contents cannot be "
                   "verified (tensor sizes are)", file.string());
    }
    return out;
  } catch (const c10::Error& e) {
    // An entry of the wrong type: a crafted or damaged file.
    throw Error("checkpoint '" + file.string() + "' is damaged: an entry has the wrong type (" + first_line(e) + ")");
  }
}

void require_same_input(const CheckpointState& state, std::int64_t alphabet, std::int64_t length,
                        std::int64_t tasks, const fs::path& file) {
  if (state.input_length == 0) return;  // version 1: load_weights' shape checks are all there is
  if (state.input_alphabet == alphabet && state.input_length == length && state.tasks == tasks) return;
  auto shape = [](std::int64_t a, std::int64_t l, std::int64_t t) {
    return "length " + std::to_string(l) + " (alphabet " + std::to_string(a) + ", " + std::to_string(t) + " task(s))";
  };
  throw Error("checkpoint '" + file.string() + "' was trained on input of " +
              shape(state.input_alphabet, state.input_length, state.tasks) + ", but this pipeline gives the model " +
              shape(alphabet, length, tasks) +
              ": a checkpoint is used only on the input it was trained for. Use data of that shape, or train a "
              "model for this data");
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
