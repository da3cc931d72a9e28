// Memory checks before large allocations: data that cannot fit is refused with the key or
// file that asks for it and the sizes, instead of failing inside LibTorch's allocator
// ("can't allocate N bytes", with a backtrace and no name).
#pragma once

#include <cstdint>
#include <string>

namespace evoaug {

/// Memory the system can give this process now without swapping: MemAvailable of
/// /proc/meminfo, or the physical memory when that is not readable. 0 when unknown.
std::uint64_t available_memory_bytes();

/// Makes available_memory_bytes() return `bytes` from now on (0: read the machine again).
/// The fuzz targets pin it: the checks above branch on it, and a replay of fixed inputs
/// must take the same branches on any machine and under any load, or the fuzzer's
/// coverage feedback, and with it the inputs it makes, drift from run to run.
void pin_available_memory_bytes(std::uint64_t bytes);

/// "1.5 GB", "400 MB", "12 KB".
std::string human_bytes(double bytes);

/// Throws an Error "`what` needs about N of memory, more than the M available; `remedy`"
/// when `bytes` exceeds the available memory (or overflowed: pass -1).
void require_memory(double bytes, const std::string& what, const std::string& remedy);

}  // namespace evoaug
