#include "augment/augment_config.h"

#include <optional>


#include "config/problem_list.h"

#include "config/schema_check.h"
#include "config/toml_source.h"
#include "evoaug/error.h"

namespace evoaug {
namespace {

const sdk::Schema& op_extra_schema() {
  static const sdk::Schema schema = sdk::Schema().integer(
      "priority", 0, "order among the ops a sequence draws (lower first; default: the op's own, the paper's order)",
      -1000000, 1000000);
  return schema;
}

/// Wraps a factory so that instances for other lengths keep the plugin loaded (through
/// `base`, made by the registry) for as long as they live.
std::function<std::shared_ptr<sdk::Augmentation>(std::int64_t)> rebuild_for_length(
    const sdk::AugmentationInfo& info, const sdk::Params& params, std::int64_t alphabet,
    std::shared_ptr<sdk::Augmentation> base, std::string context) {
  return [factory = info.factory, params, alphabet, base, context](std::int64_t length) {
    std::unique_ptr<sdk::Augmentation> made;
    try {
      made = factory(params, sdk::SequenceShape{alphabet, length});
    } catch (const std::exception& e) {
      throw Error(context + ": cannot be built for sequences of length " + std::to_string(length) +
                  " (reached after a length-changing op): " + e.what());
    }
    return std::shared_ptr<sdk::Augmentation>(made.release(), [base](sdk::Augmentation* p) { delete p; });
  };
}

}  // namespace

const sdk::Schema& augment_table_schema() {
  static const sdk::Schema schema =
      sdk::Schema()
          .integer("max_augs_per_seq", 1, "most ops applied to one sequence (1..number of ops; paper, DeepSTARR: 2)", 1,
                   1000)
          .choice("mode", "hard", {"hard", "soft"},
                  "hard: exactly max_augs_per_seq ops per sequence; soft: uniform in 1..max_augs_per_seq")
          .boolean("inference_aug", false, "augment at evaluation too (otherwise only the 3' padding)");
  return schema;
}

// Both of the public readers: with `input`, the pipeline built for it; without, only
// the keys are checked (the data's shape is not known).
static std::optional<AugmentPipeline> read_augment_table(const PipelineFile& file, const PluginRegistry& registry,
                                                         const sdk::SequenceShape* input);

AugmentPipeline read_augment_pipeline(const PipelineFile& file, const PluginRegistry& registry,
                                      const sdk::SequenceShape& input) {
  return *read_augment_table(file, registry, &input);
}

void check_augment_table(const PipelineFile& file, const PluginRegistry& registry) {
  read_augment_table(file, registry, nullptr);
}

static std::optional<AugmentPipeline> read_augment_table(const PipelineFile& file, const PluginRegistry& registry,
                                                         const sdk::SequenceShape* input) {
  const toml::table* table = find_table(file, "augment");
  if (!table) return input ? std::optional<AugmentPipeline>(AugmentPipeline(*input)) : std::nullopt;
  // The table's own keys and each op are independent: all of their problems are reported.
  ProblemList problems;
  AugmentSettings settings;
  const bool settings_ok = problems.attempt([&] {
    const sdk::Params params = read_core_table(file, "augment", augment_table_schema(), {"ops"});
    settings.max_augs_per_seq = static_cast<int>(params.integer("max_augs_per_seq"));
    settings.mode = params.string("mode") == "soft" ? AugmentMode::soft : AugmentMode::hard;
    settings.inference_aug = params.boolean("inference_aug");
  });

  std::vector<AugmentOp> ops;
  bool ops_ok = true;
  if (const toml::node* node = table->get("ops")) {
    const toml::array* list = node->as_array();
    if (!list || !list->is_array_of_tables()) {
      problems.add(position_of(*node) + ": [augment]: 'ops' must be an array of tables, written [[augment.ops]]");
      ops_ok = false;
    } else {
      int index = 0;
      for (const auto& item : *list) {
        const toml::table& op_table = *item.as_table();
        const std::string context = "[[augment.ops]] #" + std::to_string(++index);
        ops_ok &= problems.attempt([&] {
          sdk::Params extra;
          const ComponentChoice choice =
              read_component(op_table, context, ComponentKind::augmentation, registry, op_extra_schema(), &extra);
          if (!input) return;  // no sequence shape to build the op for: its keys are checked
          const sdk::AugmentationInfo& info = registry.augmentation(choice.type);
          AugmentOp op;
          op.name = choice.type;
          op.priority =
              op_table.contains("priority") ? static_cast<int>(extra.integer("priority")) : info.default_priority;
          try {
            op.augmentation = registry.make_augmentation(choice.type, choice.params, *input);
          } catch (const sdk::ParamError& e) {
            throw_positioned(e, op_table, choice.context);
          } catch (const Error& e) {
            throw Error(position_of(op_table) + ": " + choice.context + ": " + e.what());
          }
          op.make_for_length = rebuild_for_length(info, choice.params, input->alphabet, op.augmentation, choice.context);
          ops.push_back(std::move(op));
        });
      }
    }
  }

  if (settings_ok && ops_ok && input && !ops.empty() && settings.max_augs_per_seq > static_cast<int>(ops.size())) {
    const toml::node* key = table->get("max_augs_per_seq");
    problems.add((key ? position_of(*key) : position_of(*table)) + ": [augment]: max_augs_per_seq (" +
                 std::to_string(settings.max_augs_per_seq) + ") exceeds the number of ops (" +
                 std::to_string(ops.size()) + "); each sequence draws its ops without replacement");
  }
  problems.throw_if_any();
  if (!input) return std::nullopt;
  try {
    return AugmentPipeline(std::move(ops), settings, *input);
  } catch (const Error& e) {
    throw Error(position_of(*table) + ": [augment]: " + e.what());
  }
}

}  // namespace evoaug
