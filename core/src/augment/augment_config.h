// Reading the [augment] table of a pipeline file into an AugmentPipeline.
#pragma once

#include "evoaug/augment_pipeline.h"
#include "evoaug/plugin_registry.h"
#include "pipeline/pipeline_file.h"

namespace evoaug {

/// The core-owned keys of [augment]: max_augs_per_seq, mode, inference_aug (`ops` is
/// read separately, as an array of tables).
const sdk::Schema& augment_table_schema();

/// Validates [augment] (absent: the identity pipeline) and builds every op for
/// sequences of `input` shape:
/// @code
///   [augment]
///   max_augs_per_seq = 2        # 1..number of ops
///   mode = "hard"               # hard: exactly max per sequence; soft: uniform in 1..max
///   inference_aug = false       # augment at evaluation too (else: 3' padding only)
///   [[augment.ops]]
///   type = "deletion"           # any augmentation a loaded plugin provides
///   delete_max = 30             # its parameters (defaults: the paper's DeepSTARR values)
///   priority = 20               # optional: overrides the op's default order
/// @endcode
/// Every error names the file, line and column of the key at fault.
AugmentPipeline read_augment_pipeline(const PipelineFile& file, const PluginRegistry& registry,
                                      const sdk::SequenceShape& input);

/// The checks of read_augment_pipeline() that need no sequence shape (every key, every
/// op's type and parameters), for a pipeline whose data could not be read: its
/// augmentation problems are still reported.
void check_augment_table(const PipelineFile& file, const PluginRegistry& registry);

}  // namespace evoaug
