// A bounded-queue prefetcher: while the consumer works on item i (the trainer, on a
// batch), a worker thread already produces the next items (gathers, converts and augments
// the next batches).
//
// Items are produced strictly in order, first..end-1, by one thread: produce(i) is never
// called before produce(i-1) has returned, and never concurrently with it. The trainer's
// produce() draws from random streams (batch order, augmentations) whose state carries from
// one batch to the next, so the prefetched run must call it in exactly the serial order to
// give the same batches, bit for bit, as the serial path (depth 0) and as a resumed run.
// That is also why there is one worker, not a pool.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>

namespace evoaug {

/// Produces items first..end-1 by calling produce(i) in order on one worker thread, at most
/// `depth` ahead of the consumer: an item is produced only once fewer than `depth` items are
/// ready or in production, so produce(i) starts only after next() has been called for item
/// i - depth. Depth 1 overlaps producing item i+1 with consuming item i; more smooths out
/// uneven production times, at the cost of `depth` items in memory.
///
/// depth 0 means: no worker thread, produce(i) is called synchronously inside next() (the
/// serial path, for debugging and for comparison in tests).
///
/// next() is for one consumer thread; stop() may be called from any thread.
template <typename T>
class Prefetcher {
 public:
  /// `on_worker_start` is called once on the worker thread before the first produce(), so
  /// that per-thread settings apply there too (the trainer passes at::init_num_threads, for
  /// LibTorch's intra-op thread count). An exception from it comes out of the first next(),
  /// like one from produce(). Neither is called when depth is 0 or the range is empty.
  Prefetcher(std::int64_t first, std::int64_t end, std::function<T(std::int64_t)> produce,
             std::size_t depth = 2, std::function<void()> on_worker_start = {})
      : first_(first), end_(end), produce_(std::move(produce)), depth_(depth), serial_next_(first) {
    // Started last, once every member it reads is initialized.
    if (depth_ > 0 && first_ < end_)
      worker_ = std::thread([this, hook = std::move(on_worker_start)] { run_worker(hook); });
    else
      worker_done_ = true;  // nothing to produce ahead: next() must not wait for a worker
  }

  /// Stops the worker and joins it; never throws. It waits only for the produce() call in
  /// progress, if any, to return (it cannot interrupt it), never for a full queue.
  ~Prefetcher() {
    stop();
    if (worker_.joinable()) worker_.join();
  }

  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  /// The next item in order; blocks until it is ready. When produce() threw for that item,
  /// rethrows the original exception (items before it are still delivered) and returns
  /// std::nullopt from then on: nothing after a failed item is produced. Returns std::nullopt
  /// after the last item, and once stop() has been called.
  std::optional<T> next() {
    if (depth_ == 0) return next_serial();
    std::optional<Slot> slot;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      item_ready_or_done_.wait(lock, [&] { return stopped_ || worker_done_ || !ready_.empty(); });
      if (stopped_ || ready_.empty()) return std::nullopt;
      slot.emplace(std::move(ready_.front()));
      ready_.pop_front();
    }
    space_or_stop_.notify_one();
    if (slot->index() == kError) std::rethrow_exception(std::get<kError>(*slot));
    return std::optional<T>(std::move(std::get<kItem>(*slot)));
  }

  /// Asks the worker to stop after the item it is producing (its result is dropped); next()
  /// then returns std::nullopt, also a next() already waiting. Ready items are dropped at
  /// once, to free their memory. Idempotent, callable from any thread. With depth 0, a
  /// produce() already running inside next() completes and its item is returned.
  void stop() {
    std::deque<Slot> dropped;  // destroyed after the lock is released
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      dropped.swap(ready_);
    }
    space_or_stop_.notify_all();
    item_ready_or_done_.notify_all();
  }

 private:
  // An item, or the exception that producing it (or starting the worker) threw. Accessed by
  // index, so that T may be any type, even std::exception_ptr.
  using Slot = std::variant<T, std::exception_ptr>;
  static constexpr std::size_t kItem = 0;
  static constexpr std::size_t kError = 1;

  std::optional<T> next_serial() {
    {
      std::lock_guard<std::mutex> lock(mutex_);  // stop() may come from another thread
      if (stopped_ || serial_next_ >= end_) return std::nullopt;
    }
    const std::int64_t index = serial_next_++;
    try {
      return std::optional<T>(produce_(index));
    } catch (...) {
      stop();  // as on the worker: nothing after a failed item
      throw;
    }
  }

  void run_worker(const std::function<void()>& on_worker_start) {
    std::exception_ptr error;
    try {
      if (on_worker_start) on_worker_start();
      for (std::int64_t index = first_; index < end_; ++index) {
        {
          std::unique_lock<std::mutex> lock(mutex_);
          space_or_stop_.wait(lock, [&] { return stopped_ || ready_.size() < depth_; });
          if (stopped_) break;
        }
        deliver(Slot(std::in_place_index<kItem>, produce_(index)));
      }
    } catch (...) {
      error = std::current_exception();
    }
    // Delivered after the catch block, handing over the worker's last reference: the consumer
    // then owns the exception alone (libstdc++ counts references with atomics that TSan does
    // not see, so sharing it would look like a race).
    if (error) deliver(Slot(std::in_place_index<kError>, std::move(error)));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      worker_done_ = true;
    }
    item_ready_or_done_.notify_all();
  }

  // Queues `slot` for the consumer; after stop() it is dropped instead (destroyed outside
  // the lock, when this returns).
  void deliver(Slot&& slot) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;
      ready_.push_back(std::move(slot));
    }
    item_ready_or_done_.notify_one();
  }

  const std::int64_t first_;
  const std::int64_t end_;
  const std::function<T(std::int64_t)> produce_;
  const std::size_t depth_;
  std::int64_t serial_next_;  // depth 0 only: the next index next() produces

  std::mutex mutex_;  // guards the members below
  std::condition_variable item_ready_or_done_;  // the consumer waits on it
  std::condition_variable space_or_stop_;        // the worker waits on it
  std::deque<Slot> ready_;  // produced items (at most depth_), and at most one error last
  bool stopped_ = false;
  bool worker_done_ = false;

  std::thread worker_;  // last: started once everything above exists
};

}  // namespace evoaug
