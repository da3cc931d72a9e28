// The Python PyTorch reference of `evoaug bench compare` (bench/python/bench_worker.py),
// run as a persistent child process that answers one JSON line per request, so that its
// timings interleave with the C++ ones in the same run.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace evoaug::cli {

class PythonWorker {
 public:
  /// Starts `python script` with `extra_environment` added to this process's
  /// environment. Throws Error when it cannot start.
  PythonWorker(const std::string& python, const std::filesystem::path& script,
               const std::map<std::string, std::string>& extra_environment);
  /// Asks the worker to quit and waits for it.
  ~PythonWorker();
  PythonWorker(const PythonWorker&) = delete;
  PythonWorker& operator=(const PythonWorker&) = delete;

  /// Sends one JSON request line; returns the reply line. Throws Error when the worker
  /// died or replied {"ok": false, "error": ...}, with its message.
  std::string request(const std::string& json);

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string buffer_;
};

/// The number after "key": in a flat JSON reply; throws Error when absent.
double json_number(const std::string& json, const std::string& key);
/// The numbers of the array after "key": in a JSON reply; throws Error when absent.
std::vector<double> json_numbers(const std::string& json, const std::string& key);

/// The Python that has PyTorch: `requested` when given, else /usr/bin/python3 (Debian's
/// python3-torch) when it exists, else python3 on the PATH.
std::string find_python(const std::string& requested);
/// bench_worker.py next to the installed binary (share/evoaug/bench/python) or in the
/// source tree this binary was built from. Throws Error naming both when neither exists.
std::filesystem::path find_bench_worker();

}  // namespace evoaug::cli
