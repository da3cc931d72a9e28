// Where this process stands in a multi-process run: its rank, the number of ranks, and the
// rendezvous address, read from the variables that evoaug's own launcher (`evoaug run
// --nproc N`), torchrun and Slurm's srun set. Without any of them, a single process.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace evoaug {

struct WorldLayout {
  int rank = 0;        ///< 0 .. size - 1; rank 0 writes the outputs
  int size = 1;        ///< number of ranks in the job
  int local_rank = 0;  ///< rank among the processes on this machine (picks cuda:local_rank)
  int local_size = 1;  ///< processes on this machine (divides the CPU threads)
  std::string master_addr = "127.0.0.1";  ///< where rank 0 listens for the rendezvous
  int master_port = 29500;
  std::string source = "single process";  ///< which variables it was read from, for messages
  /// torchrun's agent already serves the rendezvous store at MASTER_ADDR:MASTER_PORT
  /// (TORCHELASTIC_USE_AGENT_STORE=True): rank 0 joins it instead of listening there.
  bool store_is_hosted = false;
  bool distributed() const { return size > 1; }
  /// "rank 1 of 4", for messages.
  std::string describe() const;
};

/// Looks a variable up; nullopt when it is not set (tests pass a map).
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

/// The layout from RANK/WORLD_SIZE/LOCAL_RANK/LOCAL_WORLD_SIZE/MASTER_ADDR/MASTER_PORT
/// (evoaug's launcher, torchrun) or, when WORLD_SIZE is not set, Slurm's SLURM_PROCID,
/// SLURM_STEP_NUM_TASKS (or SLURM_NTASKS), SLURM_LOCALID and the first host of the node
/// list. An Error naming the variable and its value when one is malformed or inconsistent.
WorldLayout world_from_environment(const Environment& environment);
WorldLayout world_from_environment();  ///< the process's own environment

/// The first host of a Slurm node list: "gpu[03-05,09],cpu1" -> "gpu03".
std::string first_slurm_host(const std::string& node_list);

}  // namespace evoaug
