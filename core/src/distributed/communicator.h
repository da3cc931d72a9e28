// The collectives a data-parallel run needs, on LibTorch's own c10d: a TCPStore
// rendezvous at rank 0's address, then ProcessGroupGloo (CPU tensors) or ProcessGroupNCCL
// (CUDA tensors, where the LibTorch has it). This header keeps c10d out of its includers.
//
// Every collective must be called by every rank in the same order. A failure (a peer that
// died, hung past the timeout or never arrived) is an Error that names this rank, the
// operation and the timeout.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <chrono>
#include <memory>
#include <string>

#include "distributed/world_layout.h"

namespace evoaug {

class Communicator {
 public:
  /// Joins the job described by `world`: rank 0 listens on master_addr:master_port, the
  /// others connect to it; all wait at most `timeout` for each other. `backend` is "auto"
  /// (NCCL for a CUDA device where LibTorch has it, else Gloo), "gloo" or "nccl".
  static std::unique_ptr<Communicator> connect(const WorldLayout& world, const std::string& backend,
                                               c10::Device device, std::chrono::milliseconds timeout);
  ~Communicator();

  int rank() const;
  int size() const;
  const std::string& backend() const;  ///< "gloo" or "nccl"
  const WorldLayout& world() const;
  /// Where tensors for the collectives live: the CPU for Gloo, the GPU for NCCL.
  c10::Device device() const;

  /// An all-reduce in flight; wait() before reading its tensor.
  class Pending {
   public:
    Pending();
    ~Pending();
    Pending(Pending&&) noexcept;
    Pending& operator=(Pending&&) noexcept;
    void wait();
    bool active() const;

   private:
    friend class Communicator;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

  /// Starts summing `tensor` across ranks, in place.
  Pending sum_async(at::Tensor tensor, const char* what);
  void sum(at::Tensor& tensor, const char* what);
  void max(at::Tensor& tensor, const char* what);
  /// Copies rank `root`'s tensor into every rank's (same shape and type everywhere).
  void broadcast(at::Tensor& tensor, int root, const char* what);
  /// Whether `flag` is true on any rank (every rank learns the same answer).
  bool any(bool flag, const char* what);
  /// Rank `root`'s text, on every rank (the others pass anything).
  std::string broadcast_text(const std::string& text, int root, const char* what);
  /// Every rank's rows, concatenated in rank order, on every rank. The ranks may hold
  /// different numbers of rows; the other dimensions must agree.
  at::Tensor gather_rows(const at::Tensor& rows, const char* what);
  /// Waits until every rank has called it.
  void barrier(const char* what);

 private:
  struct Impl;
  explicit Communicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace evoaug
