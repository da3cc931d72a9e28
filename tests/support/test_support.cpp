#include "test_support.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>

#include "evoaug/build_config.h"
#include "evoaug/error.h"
#include "test_config.h"

namespace evoaug::testing {
namespace fs = std::filesystem;

std::unique_ptr<PluginRegistry> builtin_registry() {
  auto registry = std::make_unique<PluginRegistry>();
  registry->scan(EVOAUG_BUILD_PLUGIN_DIR);
  if (!registry->failures().empty())
    throw Error("built-in plugin failed to load: " + registry->failures().front().reason);
  return registry;
}

fs::path fixture_plugin(const std::string& name) {
  return fs::path(EVOAUG_TEST_FIXTURE_PLUGIN_DIR) / ("evoaug_fixture_" + name + ".so");
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("evoaug-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

HostRun run_host(const std::string& arguments) { return run_host_with("", arguments); }

HostRun run_host_with(const std::string& environment, const std::string& arguments) {
  const std::string command =
      (environment.empty() ? "" : "env " + environment + " ") + EVOAUG_TEST_HOST_EXECUTABLE + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw Error("cannot run " + command);
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string run_host_interrupted(const fs::path& folder, const std::string& arguments, const fs::path& wait_for,
                                 const std::string& action) {
  const auto quoted = [](const fs::path& p) { return "'" + p.string() + "'"; };
  const fs::path log = folder / "interrupted-host.log", script = folder / "interrupt.sh";
  write_file(script, "cd " + quoted(folder) + "\nlog=" + quoted(log) + "\n" + EVOAUG_TEST_HOST_EXECUTABLE + " " +
                         arguments + " > \"$log\" 2>&1 &\npid=$!\n" +
                         "for i in $(seq 1 1200); do [ -e " + quoted(wait_for) + " ] && break; sleep 0.05; done\n" +
                         action + "\nwait $pid\necho \"exit=$?\" >> \"$log\"\n");
  if (std::system(("bash " + quoted(script)).c_str()) != 0) throw Error("run_host_interrupted: " + script.string() + " failed");
  return read_file(log);
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) throw Error("cannot write " + file.string());
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read " + file.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string without_timings(const std::string& json) {
  std::istringstream in(json);
  std::string out, line;
  while (std::getline(in, line))
    if (line.find("\"wall_seconds\"") == std::string::npos && line.find("\"sequences_per_second\"") == std::string::npos &&
        line.find("\"communication_ms_per_step\"") == std::string::npos)
      out += line + "\n";
  return out;
}

}  // namespace evoaug::testing
