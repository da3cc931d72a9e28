#include "sweep/sweep_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <csignal>
#include <deque>
#include <map>
#include <thread>

#include "evoaug/error.h"
#include "evoaug/runtime.h"
#include "sweep/slurm_script.h"
#include "sweep/sweep_results.h"
#include "train/stop_signals.h"
#include "util/file_safety.h"

extern char** environ;

namespace evoaug {
namespace {

namespace fs = std::filesystem;

pid_t spawn(const fs::path& executable, const std::vector<std::string>& args, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A process group of its own: a terminal's Ctrl-C reaches the sweep only, which passes
  // one SIGINT on (a second would make a run stop at once instead of saving).
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<std::string> argv_text{executable.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, executable.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (rc != 0)
    throw Error("cannot start '" + executable.string() + "' for a sweep run: " + std::string(std::strerror(rc)));
  return pid;
}

}  // namespace

void validate_points(const SweepFile& sweep, const std::vector<SweepPoint>& points, const fs::path& out_dir,
                     const std::vector<fs::path>& plugin_folders) {
  Runtime::Options options;
  options.plugin_folders = plugin_folders;
  options.cache_cpu_memory = false;
  Runtime runtime(options);
  for (const auto& point : points) {
    std::vector<std::string> overrides = point.overrides;
    overrides.push_back("runtime.output_dir=" + (out_dir / point.name).string());
    try {
      runtime.load(sweep.base, overrides);
    } catch (const Error& e) {
      const std::string message = e.what();
      // The axis the message is about: its --set, else its key named in the message.
      auto blame = [&](std::size_t a) {
        return Error(sweep.path.string() + ": axis \"" + sweep.axes[a].key + "\" = " + point.labels[a] + " (point " +
                     point.name + ") is not a valid pipeline: " + message);
      };
      for (std::size_t a = 0; a < sweep.axes.size(); ++a)
        if (message.find("--set " + point.overrides[a]) != std::string::npos) throw blame(a);
      for (std::size_t a = 0; a < sweep.axes.size(); ++a)
        if (message.find(sweep.axes[a].key.substr(sweep.axes[a].key.rfind('.') + 1)) != std::string::npos) throw blame(a);
      throw Error(sweep.path.string() + ": point " + point.name + " is not a valid pipeline: " + message);
    }
  }
  spdlog::info("sweep: all {} points are valid pipelines", points.size());
}

SweepRunOutcome run_points(const SweepFile& sweep, const std::vector<SweepPoint>& points, const fs::path& out_dir,
                           const SweepRunOptions& options, const std::atomic<bool>* stop) {
  SweepRunOutcome outcome;
  std::deque<const SweepPoint*> pending;
  for (const auto& p : points) {
    if (fs::exists(out_dir / p.name / kPointDoneMarker)) ++outcome.skipped;
    else pending.push_back(&p);
  }
  if (outcome.skipped) spdlog::info("sweep: {} of {} points finished already; skipped", outcome.skipped, points.size());
  StopSignalGuard signals;  // the trainer's guard: a flag set by SIGINT and SIGTERM
  struct Running {
    const SweepPoint* point;
    std::chrono::steady_clock::time_point start;
  };
  std::map<pid_t, Running> running;
  bool stopping = false;
  const std::size_t total = pending.size();
  std::size_t started = 0;
  while (!pending.empty() || !running.empty()) {
    if (!stopping && (received_stop_signal() != 0 || (stop && stop->load()))) {
      stopping = true;
      outcome.interrupted = true;
      spdlog::warn("sweep: stopping: {} run(s) asked to save and stop; {} not started", running.size(), pending.size());
      for (const auto& [pid, r] : running) ::kill(pid, SIGINT);
    }
    if (!stopping && !pending.empty() && running.size() < static_cast<std::size_t>(options.jobs)) {
      const SweepPoint* p = pending.front();
      pending.pop_front();
      const fs::path dir = out_dir / p->name;
      fs::create_directories(dir);
      std::vector<std::string> args;
      for (const auto& folder : options.plugin_folders) args.insert(args.end(), {"--plugin-path", folder.string()});
      const auto run_args = point_run_arguments(sweep, *p, dir, options.threads);
      args.insert(args.end(), run_args.begin(), run_args.end());
      const bool resume = fs::exists(dir / "checkpoints" / "pretrain-last.pt");
      args.push_back(resume ? "--resume" : "--overwrite");
      const pid_t pid = spawn(options.executable, args, dir / "run.log");
      running[pid] = {p, std::chrono::steady_clock::now()};
      spdlog::info("sweep: [{}/{}] {} {}", ++started, total, resume ? "resuming" : "started", p->name);
      continue;
    }
    if (stopping && !pending.empty()) pending.clear();
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0 || !running.count(pid)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    const Running r = running.at(pid);
    running.erase(pid);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
    const fs::path dir = out_dir / r.point->name;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      write_file_atomically(dir / kPointDoneMarker, "finished\n");
      ++outcome.finished;
      spdlog::info("sweep: {} finished in {:.1f} s", r.point->name, seconds);
    } else if (stopping) {
      spdlog::info("sweep: {} stopped; it resumes when the sweep runs again", r.point->name);
    } else {
      ++outcome.failed;
      spdlog::error("sweep: {} failed ({}); its output is in {}", r.point->name,
                    WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                        : "exit status " + std::to_string(WEXITSTATUS(status)),
                    (dir / "run.log").string());
    }
  }
  return outcome;
}

}  // namespace evoaug
