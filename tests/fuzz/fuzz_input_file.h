// What the file-reading fuzz targets share: the fuzzer's bytes as a file on disk (the
// readers take paths), in a folder of this process, removed when done.
#pragma once

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/memory_estimate.h"

namespace evoaug::fuzz {

class InputFile {
 public:
  InputFile(const std::uint8_t* data, std::size_t size, const std::string& name) {
    static const std::filesystem::path folder = [] {
      auto dir = std::filesystem::temp_directory_path() / ("evoaug-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(dir);
      return dir;
    }();
    path_ = folder / name;
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  ~InputFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace evoaug::fuzz

// libFuzzer calls this once: the readers' warnings would otherwise flood the output, and
// the memory checks would branch on how busy the machine is. With the memory pinned (to
// run_fuzzer.sh's -rss_limit_mb), a seed gives the same inputs on every machine.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  evoaug::pin_available_memory_bytes(std::uint64_t{4096} << 20);
  return 0;
}
