#include "distributed/gradient_reducer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <mutex>

#include "distributed/communicator.h"
#include "evoaug/error.h"

namespace evoaug {
namespace {

struct Bucket {
  at::Tensor flat;                  ///< the bucket's gradients, end to end
  std::vector<std::size_t> members; ///< parameter indices
  std::size_t ready = 0;            ///< members whose gradient has arrived this step
  Communicator::Pending reduction;
};

struct Slot {
  std::size_t bucket = 0;
  std::int64_t offset = 0;
  bool arrived = false;
};

}  // namespace

struct GradientReducer::Impl {
  Communicator* communicator = nullptr;
  std::vector<at::Tensor> parameters;
  std::vector<unsigned> hooks;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  std::size_t next_to_launch = 0;  ///< buckets start in index order on every rank
  double loss_scale = 1.0;
  bool armed = false;
  double wait_seconds = 0;
  std::mutex mutex;  // backward may call the hooks from the device's autograd thread

  void launch_ready() {
    while (next_to_launch < buckets.size() && buckets[next_to_launch].ready == buckets[next_to_launch].members.size())
      launch(next_to_launch++);
  }

  void launch(std::size_t index) {
    Bucket& bucket = buckets[index];
    bucket.reduction = communicator->sum_async(bucket.flat, "the all-reduce of gradients");
  }

  void on_gradient(std::size_t index, const at::Tensor& gradient) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed) return;
    Slot& slot = slots[index];
    if (slot.arrived) return;
    Bucket& bucket = buckets[slot.bucket];
    at::Tensor target = bucket.flat.narrow(0, slot.offset, parameters[index].numel());
    target.copy_(gradient.reshape({-1}));
    target.div_(static_cast<double>(communicator->size()));
    slot.arrived = true;
    ++bucket.ready;
    launch_ready();
  }
};

GradientReducer::GradientReducer(std::vector<at::Tensor> parameters, Communicator& communicator,
                                 std::int64_t bucket_bytes)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.communicator = &communicator;
  for (auto& p : parameters)
    if (p.requires_grad()) s.parameters.push_back(p);
  s.slots.resize(s.parameters.size());
  // Backward produces the last layers' gradients first: fill buckets from the end.
  std::int64_t filled = 0;
  for (std::size_t k = s.parameters.size(); k-- > 0;) {
    const at::Tensor& p = s.parameters[k];
    const std::int64_t bytes = p.numel() * static_cast<std::int64_t>(p.element_size());
    if (s.buckets.empty() || (filled > 0 && filled + bytes > bucket_bytes)) {
      s.buckets.emplace_back();
      filled = 0;
    }
    Bucket& bucket = s.buckets.back();
    s.slots[k] = {s.buckets.size() - 1, filled / static_cast<std::int64_t>(p.element_size()), false};
    bucket.members.push_back(k);
    filled += bytes;
  }
  for (Bucket& bucket : s.buckets) {
    std::int64_t numel = 0;
    for (std::size_t k : bucket.members) numel += s.parameters[k].numel();
    const at::Tensor& first = s.parameters[bucket.members.front()];
    bucket.flat = torch::zeros({numel}, first.options().device(communicator.device()));
  }
  for (std::size_t k = 0; k < s.parameters.size(); ++k)
    s.hooks.push_back(s.parameters[k].register_hook([this, k](const at::Tensor& gradient) {
      impl_->on_gradient(k, gradient);
    }));
}

GradientReducer::~GradientReducer() {
  Impl& s = *impl_;
  for (std::size_t k = 0; k < s.hooks.size(); ++k) {
    try {
      s.parameters[k].remove_hook(s.hooks[k]);
    } catch (...) {
      // A parameter whose graph is gone keeps no hook to remove.
    }
  }
  // A step abandoned by an exception may leave reductions in flight: let them end before
  // their buffers go.
  for (Bucket& bucket : s.buckets) {
    try {
      bucket.reduction.wait();
    } catch (...) {
    }
  }
}

double GradientReducer::loss_scale() const { return impl_->loss_scale; }

std::int64_t GradientReducer::buckets() const { return static_cast<std::int64_t>(impl_->buckets.size()); }
double GradientReducer::wait_seconds() const { return impl_->wait_seconds; }

double GradientReducer::start_step(double local_mean_loss, std::int64_t rows) {
  Impl& s = *impl_;
  // One small all-reduce: the global batch's size and loss. Every rank learns whether the
  // loss is finite, so all take or skip the step together.
  at::Tensor totals = torch::tensor({local_mean_loss * static_cast<double>(rows), static_cast<double>(rows)},
                                    torch::kFloat64);
  s.communicator->sum(totals, "the all-reduce of the batch's loss");
  const double global_rows = totals[1].item<double>();
  const double global_loss = totals[0].item<double>() / global_rows;
  if (!std::isfinite(global_loss)) return global_loss;
  std::lock_guard<std::mutex> lock(s.mutex);
  s.loss_scale = static_cast<double>(s.communicator->size()) * static_cast<double>(rows) / global_rows;
  for (Slot& slot : s.slots) slot.arrived = false;
  for (Bucket& bucket : s.buckets) {
    bucket.flat.zero_();
    bucket.ready = 0;
  }
  s.next_to_launch = 0;
  s.armed = true;
  return global_loss;
}

void GradientReducer::finish_step() {
  Impl& s = *impl_;
  const auto start = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.armed) throw Error("internal error: GradientReducer::finish_step() without start_step()");
    s.armed = false;
    // A parameter that took no part in this step contributes zeros; its bucket still
    // starts, in order, so that every rank runs the same collectives.
    for (Bucket& bucket : s.buckets) bucket.ready = bucket.members.size();
    s.launch_ready();
  }
  for (Bucket& bucket : s.buckets) bucket.reduction.wait();
  s.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (std::size_t k = 0; k < s.parameters.size(); ++k) {
    at::Tensor& p = s.parameters[k];
    const Slot& slot = s.slots[k];
    const at::Tensor sum = s.buckets[slot.bucket].flat.narrow(0, slot.offset, p.numel()).view(p.sizes());
    at::Tensor& gradient = p.mutable_grad();
    if (gradient.defined()) gradient.copy_(sum);
    else gradient = sum.to(p.device()).clone();
  }
}

}  // namespace evoaug
