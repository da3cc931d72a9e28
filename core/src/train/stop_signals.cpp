#include "train/stop_signals.h"

#include <atomic>
#include <csignal>
#include <mutex>

namespace evoaug {
namespace {

std::atomic<int> g_received{0};  // written by the handler: must be lock-free, global
std::mutex g_mutex;
int g_installations = 0;
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_stop_signal(int signal) { g_received.store(signal); }

}  // namespace

StopSignalGuard::StopSignalGuard() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_installations++ > 0) return;
  g_received.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignalGuard::~StopSignalGuard() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_installations > 0) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int received_stop_signal() { return g_received.load(); }

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace evoaug
