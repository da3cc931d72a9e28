#include "distributed/world_layout.h"

#include <cstdlib>
#include <limits>

#include "evoaug/error.h"

namespace evoaug {
namespace {

// A whole non-negative number, or an Error naming the variable.
int read_count(const std::string& name, const std::string& text, int minimum) {
  std::size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || value < minimum || value > std::numeric_limits<int>::max())
    throw Error("environment variable " + name + "=\"" + text + "\" is not a whole number" +
                (minimum > 0 ? " of at least " + std::to_string(minimum) : std::string(" (0 or more)")));
  return static_cast<int>(value);
}

// Slurm writes tasks per node as "2(x3),1": the first node's count is what this needs.
int leading_count(const std::string& name, const std::string& text) {
  const std::size_t end = text.find_first_not_of("0123456789");
  return read_count(name, text.substr(0, end), 1);
}

void check_port(const std::string& text, int port) {
  if (port < 1 || port > 65535)
    throw Error("environment variable MASTER_PORT=\"" + text + "\" is not a TCP port (1 to 65535)");
}

}  // namespace

std::string WorldLayout::describe() const { return "rank " + std::to_string(rank) + " of " + std::to_string(size); }

std::string first_slurm_host(const std::string& node_list) {
  // The first entry ends at a comma outside brackets.
  std::size_t end = 0;
  int depth = 0;
  for (; end < node_list.size(); ++end) {
    const char c = node_list[end];
    if (c == '[') ++depth;
    if (c == ']') --depth;
    if (c == ',' && depth == 0) break;
  }
  const std::string entry = node_list.substr(0, end);
  const std::size_t open = entry.find('[');
  if (open == std::string::npos) return entry;
  const std::size_t close = entry.find(']', open);
  if (close == std::string::npos) throw Error("cannot read the Slurm node list \"" + node_list + "\"");
  // "gpu[03-05,09]": the first number of the range keeps its zero padding.
  const std::string range = entry.substr(open + 1, close - open - 1);
  const std::size_t stop = range.find_first_of("-,");
  return entry.substr(0, open) + range.substr(0, stop) + entry.substr(close + 1);
}

WorldLayout world_from_environment(const Environment& env) {
  WorldLayout world;
  if (const auto size = env("WORLD_SIZE")) {
    world.source = "RANK/WORLD_SIZE";
    world.size = read_count("WORLD_SIZE", *size, 1);
    const auto rank = env("RANK");
    if (!rank) throw Error("environment variable WORLD_SIZE=" + *size + " is set but RANK is not: set both (torchrun "
                           "and `evoaug run --nproc N` do), or neither for a single process");
    world.rank = read_count("RANK", *rank, 0);
    world.local_rank = env("LOCAL_RANK") ? read_count("LOCAL_RANK", *env("LOCAL_RANK"), 0) : world.rank;
    world.local_size = env("LOCAL_WORLD_SIZE") ? read_count("LOCAL_WORLD_SIZE", *env("LOCAL_WORLD_SIZE"), 1)
                                               : world.size;
    if (const auto addr = env("MASTER_ADDR")) world.master_addr = *addr;
    world.store_is_hosted = env("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
  } else if (const auto procid = env("SLURM_PROCID")) {
    const auto tasks = env("SLURM_STEP_NUM_TASKS") ? env("SLURM_STEP_NUM_TASKS") : env("SLURM_NTASKS");
    if (!tasks) return world;  // not inside a job step: one process
    const std::string tasks_name = env("SLURM_STEP_NUM_TASKS") ? "SLURM_STEP_NUM_TASKS" : "SLURM_NTASKS";
    world.source = "Slurm (SLURM_PROCID/" + tasks_name + ")";
    world.size = read_count(tasks_name, *tasks, 1);
    world.rank = read_count("SLURM_PROCID", *procid, 0);
    world.local_rank = env("SLURM_LOCALID") ? read_count("SLURM_LOCALID", *env("SLURM_LOCALID"), 0) : 0;
    if (const auto per_node = env("SLURM_STEP_TASKS_PER_NODE"))
      world.local_size = leading_count("SLURM_STEP_TASKS_PER_NODE", *per_node);
    else if (const auto per_job = env("SLURM_TASKS_PER_NODE"))
      world.local_size = leading_count("SLURM_TASKS_PER_NODE", *per_job);
    if (const auto addr = env("MASTER_ADDR")) {
      world.master_addr = *addr;
    } else {
      std::optional<std::string> nodes;
      for (const char* name : {"SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST", "SLURM_NODELIST"})
        if (!nodes) nodes = env(name);
      if (nodes && !nodes->empty()) world.master_addr = first_slurm_host(*nodes);
    }
    // Jobs that share a node need different ports: one per job id unless MASTER_PORT says.
    if (!env("MASTER_PORT"))
      if (const auto job = env("SLURM_JOB_ID"))
        world.master_port = 29500 + read_count("SLURM_JOB_ID", *job, 0) % 10000;
  } else {
    return world;
  }
  if (const auto port = env("MASTER_PORT")) {
    world.master_port = read_count("MASTER_PORT", *port, 0);
    check_port(*port, world.master_port);
  }
  if (world.rank >= world.size)
    throw Error("environment: rank " + std::to_string(world.rank) + " does not exist in a world of " +
                std::to_string(world.size) + " (" + world.source + "); ranks run from 0 to " +
                std::to_string(world.size - 1));
  if (world.local_rank >= world.local_size) world.local_size = world.local_rank + 1;
  return world;
}

WorldLayout world_from_environment() {
  return world_from_environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace evoaug
