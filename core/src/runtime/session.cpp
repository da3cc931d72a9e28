#include "runtime/session.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "data/data_config.h"
#include "evoaug/error.h"
#include "runtime/pipeline_setup.h"
#include "train/training_step.h"

namespace evoaug {
namespace fs = std::filesystem;

Dataset load_checked_data(const PipelineSetup& setup) {
  Dataset d = load_dataset(setup.file, setup.runtime.seed);
  if (d.alphabet() != setup.data.alphabet || d.length() != setup.data.length || d.tasks() != setup.data.tasks)
    throw Error(d.source + ": the data loaded has shape (A=" + std::to_string(d.alphabet()) + ", L=" +
                std::to_string(d.length()) + ", T=" + std::to_string(d.tasks()) + ") but its header said (A=" +
                std::to_string(setup.data.alphabet) + ", L=" + std::to_string(setup.data.length) +
                ", T=" + std::to_string(setup.data.tasks) + ")");
  return d;
}

Session open_session(const PipelineSetup& setup, bool writes_outputs) {
  Session session;
  session.device = resolve_device(setup.runtime.device, setup.runtime.require_device);
  check_precision(setup.runtime.precision, session.device);
  if (setup.runtime.threads > 0) at::set_num_threads(setup.runtime.threads);
  session.output_dir = setup.output_dir();
  if (writes_outputs) {
    fs::create_directories(session.output_dir / "checkpoints");
    spdlog::info("output folder: {}", fs::absolute(session.output_dir).lexically_normal().string());
  }
  session.data = load_checked_data(setup);
  const auto& d = session.data;
  spdlog::info("data: {} ({} train, {} valid, {} test sequences of length {}, {} task(s)); device {}", d.source,
               d.train.size(), d.valid.size(), d.test.size(), d.length(), d.tasks(), session.device.str());
  return session;
}

}  // namespace evoaug
