#include "runtime/pipeline_setup.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <sstream>

#include "augment/augment_config.h"
#include "config/problem_list.h"
#include "config/schema_check.h"
#include "data/data_config.h"
#include "evoaug/error.h"
#include "train/trainer.h"
#include "util/json.h"

namespace evoaug {
namespace {

constexpr std::uint64_t kInitSalt = 0x1417;

// Adds each parameter that `table` leaves to its default, so that the resolved
// configuration states every value the run used.
void fill_defaults(toml::table& table, const sdk::Params& params) {
  for (const auto& [name, value] : params.values()) {
    // A string key given a bare `--set key=2024` holds the number TOML read; the value
    // is the text, and so must be the resolved file (a checkpoint re-reads it).
    const toml::node* given = table.get(name);
    if (given && std::holds_alternative<std::string>(value) && !given->is_string()) {
      table.insert_or_assign(name, std::get<std::string>(value));
      continue;
    }
    if (given) continue;
    std::visit([&, &key = name](const auto& v) { table.insert(key, v); }, value);
  }
}

toml::table& table_in(toml::table& root, const std::string& name) {
  if (!root.contains(name)) root.insert(name, toml::table{});
  return *root.get(name)->as_table();
}

}  // namespace

std::filesystem::path PipelineSetup::output_dir() const {
  std::filesystem::path dir(runtime.output_dir);
  return (dir.is_absolute() ? dir : file.base_dir / dir).lexically_normal();
}

std::string PipelineSetup::resolved_toml() const {
  std::ostringstream out;
  out << resolved;
  return out.str() + "\n";
}

std::string PipelineSetup::resolved_json() const {
  return to_json(resolved);
}

std::unique_ptr<PipelineSetup> build_setup(PipelineFile file, PluginRegistry& registry) {
  auto setup = std::make_unique<PipelineSetup>();
  setup->file = std::move(file);
  const PipelineFile& f = setup->file;
  load_plugins_table(f, registry);

  // Each table is read on its own, so that `evoaug check` reports every independent
  // problem of the file in one run; a step that needs another's result (the model and
  // the ops need the data's shape) runs only when that one succeeded.
  ProblemList problems;
  problems.attempt([&] { setup->runtime = read_runtime_settings(f); });
  const bool stages_ok = problems.attempt([&] { setup->pretrain = read_stage_settings(f, "pretrain"); }) &
                         problems.attempt([&] { setup->finetune = read_stage_settings(f, "finetune"); });
  problems.attempt([&] { setup->evaluate = read_evaluate_settings(f); });
  if (stages_ok && !setup->pretrain.enabled && !setup->finetune.enabled)
    problems.add(f.source_name + ": [pretrain] and [finetune] are both disabled: nothing to train");

  const bool data_ok = problems.attempt([&] { setup->data = read_data_header(f); });
  const bool augment_ok = problems.attempt([&] {
    if (data_ok)
      setup->augment.emplace(read_augment_pipeline(f, registry, {setup->data.alphabet, setup->data.length}));
    else
      check_augment_table(f, registry);
  });

  const toml::table* model_table = find_table(f, "model");
  ComponentChoice model;
  problems.attempt([&] {
    if (!model_table)
      throw Error(f.source_name + ": the [model] table is missing (e.g. [model] type = \"chip_cnn\"; "
                                  "evoaug plugins lists the models)");
    model = read_component(*model_table, "[model]", ComponentKind::model, registry);
    if (!data_ok || !augment_ok) return;  // no input shape to build it for
    setup->model_type = model.type;
    setup->model_params = model.params;
    setup->model_shape = {setup->data.alphabet, setup->augment->output_length(), setup->data.tasks};
    // Built once here so that a shape the architecture cannot take fails at check time.
    try {
      registry.make_model(model.type, model.params, setup->model_shape);
    } catch (const sdk::ParamError& e) {
      throw_positioned(e, *model_table, model.context);
    } catch (const Error& e) {
      throw Error(position_of(*model_table) + ": " + model.context + " at input length " +
                  std::to_string(setup->model_shape.length) + ": " + e.what());
    }
  });
  problems.throw_if_any();

  setup->components.emplace_back(model.type, registry.listing(model.type).version);
  for (const auto& op : setup->augment->ops())
    setup->components.emplace_back(op.name, registry.listing(op.name).version);

  // The resolved configuration: the file as written (with overrides), every default added.
  setup->resolved = f.root;
  fill_defaults(table_in(setup->resolved, "runtime"), read_core_table(f, "runtime", runtime_table_schema()));
  fill_defaults(table_in(setup->resolved, "pretrain"), read_core_table(f, "pretrain", stage_table_schema("pretrain")));
  fill_defaults(table_in(setup->resolved, "finetune"), read_core_table(f, "finetune", stage_table_schema("finetune")));
  fill_defaults(table_in(setup->resolved, "evaluate"), read_core_table(f, "evaluate", evaluate_table_schema()));
  fill_defaults(table_in(setup->resolved, "data"), read_core_table(f, "data", data_table_schema()));
  fill_defaults(table_in(setup->resolved, "augment"), read_core_table(f, "augment", augment_table_schema(), {"ops"}));
  fill_defaults(table_in(setup->resolved, "model"), model.params);
  if (toml::table* augment = setup->resolved["augment"].as_table())
    if (toml::array* ops = (*augment)["ops"].as_array())
      for (std::size_t i = 0; i < ops->size(); ++i)
        if (toml::table* op = ops->get(i)->as_table()) {
          // Already validated by read_augment_pipeline; read again for the parameters.
          sdk::Schema extra;
          extra.integer("priority", 0, "");
          fill_defaults(*op, read_component(*op, "[[augment.ops]]", ComponentKind::augmentation, registry, extra).params);
        }
  return setup;
}

std::shared_ptr<sdk::Model> make_model(const PipelineSetup& setup, const PluginRegistry& registry,
                                       c10::Device device, std::uint64_t seed) {
  // Initialisation draws from LibTorch's default CPU generator.
  auto generator = at::globalContext().defaultGenerator(c10::kCPU);
  {
    std::lock_guard<std::mutex> lock(generator.mutex());
    generator.set_current_seed(derive_seed(seed, kInitSalt));
  }
  auto model = registry.make_model(setup.model_type, setup.model_params, setup.model_shape);
  model->to(device);
  return model;
}

c10::Device resolve_device(const std::string& setting, bool required) {
  const bool cuda = torch::cuda::is_available();
  if (setting == "cpu") return c10::kCPU;
  if (setting == "auto") {
    if (cuda) return c10::Device(c10::kCUDA, 0);
    spdlog::info("device: CUDA is not available, using the CPU");
    return c10::kCPU;
  }
  if (!cuda && required)
    throw Error("[runtime] device = \"" + setting + "\" with require_device (--require-device): CUDA is not available "
                "in this build or on this machine");
  if (!cuda) {
    spdlog::warn("device: '{}' was asked for but CUDA is not available in this build or machine; "
                 "falling back to the CPU", setting);
    return c10::kCPU;
  }
  c10::Device device(setting);
  if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
    throw Error("[runtime] device = \"" + setting + "\": this machine has " +
                std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
  return device.has_index() ? device : c10::Device(c10::kCUDA, 0);
}

}  // namespace evoaug
