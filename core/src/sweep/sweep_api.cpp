// The public sweep API (evoaug/sweep.h) over the sweep layer's file, points, runner and
// results.
#include "evoaug/sweep.h"

#include "sweep/slurm_script.h"
#include "sweep/sweep_results.h"
#include "sweep/sweep_runner.h"
#include "util/file_safety.h"

namespace evoaug {

struct Sweep::Impl {
  SweepFile file;
  std::vector<SweepPoint> points;
};

Sweep::Sweep(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sweep::~Sweep() = default;
Sweep::Sweep(const Sweep& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Sweep& Sweep::operator=(const Sweep& other) {
  if (this != &other) impl_ = std::make_unique<Impl>(*other.impl_);
  return *this;
}

Sweep Sweep::load(const std::filesystem::path& file) {
  auto impl = std::make_unique<Impl>();
  impl->file = read_sweep_file(file);
  impl->points = expand_points(impl->file);
  return Sweep(std::move(impl));
}

const std::filesystem::path& Sweep::file() const { return impl_->file.path; }

std::vector<std::string> Sweep::point_names() const {
  std::vector<std::string> names;
  for (const auto& point : impl_->points) names.push_back(point.name);
  return names;
}

std::filesystem::path Sweep::default_output_dir() const {
  return impl_->file.path.parent_path() / impl_->file.path.stem();
}

void Sweep::validate(const std::filesystem::path& out_dir,
                     const std::vector<std::filesystem::path>& plugin_folders) const {
  validate_points(impl_->file, impl_->points, out_dir, plugin_folders);
}

SweepOutcome Sweep::run(const std::filesystem::path& out_dir, const SweepRun& options) const {
  SweepRunOptions run;
  run.executable = options.executable;
  run.jobs = options.jobs;
  run.threads = options.threads;
  run.plugin_folders = options.plugin_folders;
  const SweepRunOutcome outcome = run_points(impl_->file, impl_->points, out_dir, run);
  return {outcome.skipped, outcome.finished, outcome.failed, outcome.interrupted};
}

std::filesystem::path Sweep::write_slurm_script(const std::filesystem::path& out_dir,
                                                const std::filesystem::path& executable, int threads) const {
  const auto script = out_dir / "sweep.slurm";
  write_file_atomically(script, slurm_script(impl_->file, impl_->points, out_dir, executable, threads));
  std::filesystem::permissions(script, std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec,
                               std::filesystem::perm_options::add);
  return script;
}

std::size_t Sweep::collect(const std::filesystem::path& out_dir) const {
  return write_sweep_results(impl_->file, impl_->points, out_dir);
}

}  // namespace evoaug
