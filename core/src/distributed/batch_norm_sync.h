// [runtime] sync_batchnorm = true: while a scope is open, the blocks of the SDK's layers.h
// compute batch statistics over every rank (sdk/synced_batch_norm.h). The core answers
// them through two operators it registers in LibTorch's registry, which model plugins
// share with it: evoaug_sync::ranks and evoaug_sync::sum.
#pragma once

namespace evoaug {

class Communicator;

/// Routes synchronised batch norm to `communicator` for its lifetime (one at a time per
/// process; nullptr: synchronisation stays off).
class BatchNormSyncScope {
 public:
  explicit BatchNormSyncScope(Communicator* communicator);
  ~BatchNormSyncScope();
  BatchNormSyncScope(const BatchNormSyncScope&) = delete;
  BatchNormSyncScope& operator=(const BatchNormSyncScope&) = delete;

 private:
  Communicator* previous_;
};

}  // namespace evoaug
