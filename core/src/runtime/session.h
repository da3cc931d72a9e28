// What a command needs before it trains, evaluates or predicts: the device, the thread
// count, the data loaded and checked against the pipeline's header, the output folder.
#pragma once

#include <c10/core/Device.h>

#include <filesystem>

#include "evoaug/dataset.h"

namespace evoaug {

struct PipelineSetup;

struct Session {
  c10::Device device = c10::kCPU;
  Dataset data;
  std::filesystem::path output_dir;
};

/// The data as every command (and `check`) loads it, with the checks loading makes: the
/// shape loaded must be the one the header promised.
Dataset load_checked_data(const PipelineSetup& setup);

/// Resolves the device (and checks the precision on it), sets LibTorch's thread count,
/// creates the output folder when the command writes one, and loads the data.
Session open_session(const PipelineSetup& setup, bool writes_outputs);

}  // namespace evoaug
