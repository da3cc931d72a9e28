#include "bench_profile.h"

#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <map>

namespace evoaug::cli {

std::vector<ProfileEntry> profile_operators(const std::function<void()>& body) {
  namespace profiler = torch::autograd::profiler;
  profiler::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU));
  try {
    body();
  } catch (...) {
    profiler::disableProfilerLegacy();
    throw;
  }
  const profiler::thread_event_lists threads = profiler::disableProfilerLegacy();

  std::map<std::string, ProfileEntry> by_name;
  for (const auto& events : threads) {
    struct Open {
      const profiler::LegacyEvent* push;
      double children_us;
    };
    std::vector<Open> stack;
    for (const auto& event : events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        stack.push_back({&event, 0.0});
      } else if (event.kind() == profiler::EventKind::PopRange && !stack.empty()) {
        const Open open = stack.back();
        stack.pop_back();
        const double elapsed_us = open.push->cpuElapsedUs(event);
        ProfileEntry& entry = by_name[open.push->name()];
        entry.name = open.push->name();
        entry.total_ms += elapsed_us / 1000.0;
        entry.self_ms += (elapsed_us - open.children_us) / 1000.0;
        ++entry.calls;
        if (!stack.empty()) stack.back().children_us += elapsed_us;
      }
    }
  }
  std::vector<ProfileEntry> entries;
  for (auto& [name, entry] : by_name) entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.self_ms > b.self_ms; });
  return entries;
}

}  // namespace evoaug::cli
