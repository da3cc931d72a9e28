#include "launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "child_process.h"
#include "evoaug/error.h"

extern char** environ;

namespace evoaug::cli {
namespace {

volatile sig_atomic_t pending_signal = 0;

void remember_signal(int signal) { pending_signal = signal; }

// A port free on this machine now: the kernel's pick for a socket bound to port 0.
int pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw Error(std::string("evoaug run --nproc: cannot open a socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  if (!ok) throw Error(std::string("evoaug run --nproc: cannot find a free port: ") + std::strerror(errno));
  return ntohs(address.sin_port);
}

// This process's environment with the rank's variables set (and any earlier ones
// replaced), as the strings execve() takes.
std::vector<std::string> rank_environment(int rank, int processes, int port) {
  const std::vector<std::pair<std::string, std::string>> ours = {
      {"RANK", std::to_string(rank)},          {"WORLD_SIZE", std::to_string(processes)},
      {"LOCAL_RANK", std::to_string(rank)},    {"LOCAL_WORLD_SIZE", std::to_string(processes)},
      {"MASTER_ADDR", "127.0.0.1"},            {"MASTER_PORT", std::to_string(port)}};
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [key, unused] : ours) replaced = replaced || key == name;
    if (!replaced) out.push_back(entry);
  }
  for (const auto& [key, value] : ours) out.push_back(key + "=" + value);
  return out;
}

struct Rank {
  pid_t pid = -1;
  bool running = false;
  ChildExit exit;
};

bool failed(const ChildExit& e) { return e.signalled || e.code != 0; }

// A rank that was asked to stop saves and exits with 130 (main.cpp's "interrupted").
bool interrupted(const ChildExit& e) { return !e.signalled && e.code == 130; }

int exit_status_of(const ChildExit& e) { return e.signalled ? 128 + e.code : e.code; }

}  // namespace

int launch_local_ranks(int processes, const std::vector<std::string>& arguments) {
  if (std::getenv("WORLD_SIZE"))
    throw Error("evoaug run --nproc: this process is already a rank of a job (WORLD_SIZE is set): start it either "
                "with --nproc or under torchrun/srun, not both");
  const char* fixed_port = std::getenv("MASTER_PORT");
  const int port = fixed_port ? std::atoi(fixed_port) : pick_free_port();
  const std::string program = own_executable().string();
  std::vector<std::string> words{program};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  // Signals are caught (and forwarded) from before the first rank starts.
  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  const pid_t launcher = ::getpid();
  std::vector<Rank> ranks(static_cast<std::size_t>(processes));
  for (int r = 0; r < processes; ++r) {
    std::vector<std::string> environment = rank_environment(r, processes, port);
    std::vector<char*> envp;
    for (auto& e : environment) envp.push_back(e.data());
    envp.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (auto& started : ranks)
        if (started.running) ::kill(started.pid, SIGKILL);
      throw Error(std::string("evoaug run --nproc: cannot start rank ") + std::to_string(r) + ": " + std::strerror(errno));
    }
    if (pid == 0) {
      // Its own process group, so that a terminal's Ctrl-C reaches the launcher only (which
      // forwards it once); and it ends if the launcher is killed.
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != launcher) ::_exit(1);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::execve(program.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ranks[static_cast<std::size_t>(r)] = {pid, true, {}};
  }
  std::string pids;
  for (const auto& rank : ranks) pids += (pids.empty() ? "" : " ") + std::to_string(rank.pid);
  spdlog::info("evoaug run --nproc {}: ranks 0-{} started as pids {} (rendezvous 127.0.0.1:{}); rank 0 reports",
               processes, processes - 1, pids, port);

  int first_failure = -1;
  bool forwarded = false;  // an interrupt reached the launcher and went on to the ranks
  std::chrono::steady_clock::time_point stopped_at;
  bool stopping = false, killed = false;
  std::optional<std::chrono::steady_clock::time_point> grace_ends;
  const auto stop_the_others = [&](std::chrono::steady_clock::time_point when) {
    stopping = true;
    stopped_at = when;
    for (const auto& other : ranks)
      if (other.running) ::kill(other.pid, SIGTERM);
  };
  for (int running = processes; running > 0;) {
    if (const int signal = pending_signal) {
      pending_signal = 0;
      forwarded = true;
      for (const auto& rank : ranks)
        if (rank.running) ::kill(rank.pid, signal);
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (int r = 0; r < processes; ++r) {
        Rank& rank = ranks[static_cast<std::size_t>(r)];
        if (rank.pid != pid || !rank.running) continue;
        rank.running = false;
        rank.exit = ChildExit::from_status(status);
        --running;
        if (forwarded && interrupted(rank.exit)) {
          // It saved and stopped, as the others are doing after the same batch; signalling
          // them now could kill one in its teardown, when its own handler is gone. Only a
          // rank still running after a grace period (stuck in a collective) is stopped.
          if (!grace_ends) grace_ends = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        } else if (failed(rank.exit) && first_failure < 0) {
          first_failure = r;
          // The others cannot go on without it: stop them (a rank waiting in a collective
          // for the failed one would otherwise wait until the timeout).
          stop_the_others(std::chrono::steady_clock::now());
        }
      }
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (grace_ends && now > *grace_ends && !stopping) stop_the_others(now);
    if (stopping && !killed && now - stopped_at > std::chrono::seconds(10)) {
      for (const auto& other : ranks)
        if (other.running) ::kill(other.pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);

  // An interruption is not a failure of one rank: rank 0, which writes the checkpoint,
  // saved and stopped. A rank that failed on its own before that is still named.
  if (forwarded && interrupted(ranks.front().exit) && first_failure < 0) return 130;
  if (first_failure < 0) {
    for (int r = 0; r < processes; ++r)
      if (failed(ranks[static_cast<std::size_t>(r)].exit) && first_failure < 0) first_failure = r;  // after the grace
    if (first_failure < 0) return 0;
  }
  const Rank& culprit = ranks[static_cast<std::size_t>(first_failure)];
  spdlog::error("evoaug run --nproc {}: rank {} (pid {}) ended with {}; the other ranks were stopped. Its own "
                "message, above, says why; checkpoints written before are intact (--resume continues)",
                processes, first_failure, culprit.pid, culprit.exit.describe());
  return exit_status_of(culprit.exit);
}

}  // namespace evoaug::cli
