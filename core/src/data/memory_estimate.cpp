#include "data/memory_estimate.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "evoaug/error.h"

namespace evoaug {

namespace {
std::atomic<std::uint64_t> pinned_available_bytes{0};
}

void pin_available_memory_bytes(std::uint64_t bytes) { pinned_available_bytes.store(bytes); }

std::uint64_t available_memory_bytes() {
  if (const std::uint64_t pinned = pinned_available_bytes.load()) return pinned;
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    std::uint64_t kilobytes = 0;
    if (fields >> key >> kilobytes && key == "MemAvailable:") return kilobytes * 1024;
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) : 0;
}

std::string human_bytes(double bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 5) bytes /= 1000, ++unit;
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.3g %s", bytes, units[unit]);
  return text;
}

void require_memory(double bytes, const std::string& what, const std::string& remedy) {
  const std::uint64_t available = available_memory_bytes();
  if (available == 0 || (bytes >= 0 && bytes <= static_cast<double>(available))) return;
  throw Error(what + " needs about " + (bytes < 0 ? std::string("more than any machine has") : human_bytes(bytes)) +
              " of memory, more than the " + human_bytes(static_cast<double>(available)) + " available; " + remedy);
}

}  // namespace evoaug
