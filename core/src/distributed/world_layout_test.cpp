#include "distributed/world_layout.h"

#include <map>

#include "catch.h"
#include "evoaug/error.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

Environment environment(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace

TEST_CASE("without launcher variables a process is a world of one", "[distributed]") {
  const WorldLayout world = world_from_environment(environment({}));
  CHECK(world.size == 1);
  CHECK(world.rank == 0);
  CHECK_FALSE(world.distributed());
  // Inside a Slurm allocation but not in a job step (no task count): still one.
  CHECK(world_from_environment(environment({{"SLURM_PROCID", "0"}})).size == 1);
}

TEST_CASE("torchrun's variables give the rank, the size and the rendezvous", "[distributed]") {
  const WorldLayout world = world_from_environment(environment({{"RANK", "3"},
                                                                {"WORLD_SIZE", "4"},
                                                                {"LOCAL_RANK", "1"},
                                                                {"LOCAL_WORLD_SIZE", "2"},
                                                                {"MASTER_ADDR", "node7"},
                                                                {"MASTER_PORT", "29400"}}));
  CHECK(world.rank == 3);
  CHECK(world.size == 4);
  CHECK(world.local_rank == 1);
  CHECK(world.local_size == 2);
  CHECK(world.master_addr == "node7");
  CHECK(world.master_port == 29400);
  CHECK(world.describe() == "rank 3 of 4");
  CHECK_FALSE(world.store_is_hosted);
  // Under torchrun the agent serves the store: rank 0 joins it.
  CHECK(world_from_environment(environment({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "True"}}))
            .store_is_hosted);
}

TEST_CASE("Slurm's variables give the rank, the size and the first node as the rendezvous", "[distributed]") {
  const WorldLayout world = world_from_environment(environment({{"SLURM_PROCID", "5"},
                                                                {"SLURM_NTASKS", "8"},
                                                                {"SLURM_STEP_NUM_TASKS", "6"},
                                                                {"SLURM_LOCALID", "1"},
                                                                {"SLURM_STEP_TASKS_PER_NODE", "2(x3)"},
                                                                {"SLURM_JOB_NODELIST", "gpu[03-05]"},
                                                                {"SLURM_JOB_ID", "123456"}}));
  CHECK(world.size == 6);  // the job step's tasks, not the allocation's
  CHECK(world.rank == 5);
  CHECK(world.local_rank == 1);
  CHECK(world.local_size == 2);
  CHECK(world.master_addr == "gpu03");
  CHECK(world.master_port == 29500 + 123456 % 10000);
  CHECK(first_slurm_host("gpu[03-05,09],cpu1") == "gpu03");
  CHECK(first_slurm_host("cpu1,gpu[03-05]") == "cpu1");
  CHECK(first_slurm_host("rack[2,4]-node[01-02]") == "rack2-node[01-02]");
}

TEST_CASE("malformed or inconsistent launcher variables are errors that name them", "[distributed]") {
  CHECK_THROWS_WITH(world_from_environment(environment({{"WORLD_SIZE", "2"}})), Contains("RANK is not"));
  CHECK_THROWS_WITH(world_from_environment(environment({{"WORLD_SIZE", "two"}, {"RANK", "0"}})),
                    Contains("WORLD_SIZE=\"two\""));
  CHECK_THROWS_WITH(world_from_environment(environment({{"WORLD_SIZE", "2"}, {"RANK", "2"}})),
                    Contains("rank 2 does not exist in a world of 2"));
  CHECK_THROWS_WITH(world_from_environment(environment({{"WORLD_SIZE", "2"}, {"RANK", "-1"}})),
                    Contains("RANK=\"-1\""));
  CHECK_THROWS_WITH(
      world_from_environment(environment({{"WORLD_SIZE", "2"}, {"RANK", "0"}, {"MASTER_PORT", "70000"}})),
      Contains("MASTER_PORT=\"70000\" is not a TCP port"));
}
