#include "distributed/batch_norm_sync.h"

#include <torch/library.h>
#include <torch/torch.h>

#include <atomic>

#include "distributed/communicator.h"

namespace evoaug {
namespace {

std::atomic<Communicator*> active{nullptr};

std::int64_t ranks(const at::Tensor&) {
  Communicator* communicator = active.load();
  return communicator ? communicator->size() : 1;
}

at::Tensor sum(const at::Tensor& x) {
  at::Tensor out = x.clone();
  if (Communicator* communicator = active.load()) communicator->sum(out, "the all-reduce of batch-norm statistics");
  return out;
}

}  // namespace

TORCH_LIBRARY(evoaug_sync, m) {
  m.def("ranks(Tensor like) -> int", &ranks);
  m.def("sum(Tensor x) -> Tensor", &sum);
}

BatchNormSyncScope::BatchNormSyncScope(Communicator* communicator) : previous_(active.exchange(communicator)) {}
BatchNormSyncScope::~BatchNormSyncScope() { active.store(previous_); }

}  // namespace evoaug
