#include "data/prefetcher.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include "catch.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace evoaug;

namespace {

// A deadlock would otherwise hang the test until ctest's timeout, without saying where;
// this ends the process with a message instead. The limit is far above any normal run
// (even under TSan on a loaded machine): no test relies on it to pass.
class DeadlockWatchdog {
 public:
  explicit DeadlockWatchdog(std::string what) : what_(std::move(what)) {
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mutex_);
      if (!finished_changed_.wait_for(lock, std::chrono::minutes(3), [&] { return finished_; })) {
        std::cerr << "DEADLOCK: '" << what_ << "' did not finish within 3 minutes\n";
        std::_Exit(1);
      }
    });
  }
  ~DeadlockWatchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    finished_changed_.notify_all();
    thread_.join();
  }

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable finished_changed_;
  bool finished_ = false;
  std::thread thread_;
};

// A one-way gate: wait() blocks until open() (a latch counting down from one).
class Gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_ = true;
    }
    opened_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    opened_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

// What produce() was asked for, and when relative to the consumer's next() calls: the test
// counts a next() call (next_calls) before making it, produce() compares its index with
// that count. Waiting on it replaces sleeping, so no test depends on timing.
class ProduceLog {
 public:
  explicit ProduceLog(std::int64_t depth) : depth_(depth) {}

  // Called first thing in produce(i), for items numbered from 0.
  void started(std::int64_t index) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      started_.push_back(index);
      threads_.insert(std::this_thread::get_id());
      // produce(i) may start only after next() was called for item i - depth.
      if (index - next_calls.load() > depth_ - 1) ++too_early_;
    }
    changed_.notify_all();
  }
  void wait_until_started(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return started_.size() >= count; });
  }
  std::vector<std::int64_t> started_indices() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }
  std::int64_t highest_started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_.empty() ? -1 : started_.back();
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }
  int too_early() {
    std::lock_guard<std::mutex> lock(mutex_);
    return too_early_;
  }

  std::atomic<std::int64_t> next_calls{0};

 private:
  const std::int64_t depth_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::int64_t> started_;
  std::set<std::thread::id> threads_;
  int too_early_ = 0;
};

// next(), counted in the log first.
template <typename T>
std::optional<T> counted_next(Prefetcher<T>& prefetcher, ProduceLog& log) {
  ++log.next_calls;
  return prefetcher.next();
}

struct ProduceFailed : std::runtime_error {
  ProduceFailed(std::int64_t index, const std::string& message)
      : std::runtime_error(message), index(index) {}
  std::int64_t index;
};

// A different seeded draw for every item, from one generator whose state carries over from
// item to item, like the trainer's random streams: any change in the order of produce()
// calls changes the items.
std::vector<at::Tensor> random_items(std::size_t depth, std::int64_t first, std::int64_t end) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(20240611);
  Prefetcher<at::Tensor> prefetcher(
      first, end,
      [&](std::int64_t index) {
        const std::int64_t rows = 1 + at::randint(4, {1}, generator).item<std::int64_t>();
        return at::randn({rows, 8}, generator).add_(static_cast<double>(index));
      },
      depth, [] { at::init_num_threads(); });
  std::vector<at::Tensor> items;
  while (std::optional<at::Tensor> item = prefetcher.next()) items.push_back(*item);
  return items;
}

}  // namespace

TEST_CASE("prefetcher: yields exactly the items of the serial path in order",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("serial order");
  const std::vector<at::Tensor> serial = random_items(0, 5, 25);
  REQUIRE(serial.size() == 20);
  CHECK_FALSE(at::equal(serial[0], serial[1]));  // the comparison below can fail

  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 1, 2, 8);
  INFO("depth " << depth);
  const std::vector<at::Tensor> prefetched = random_items(depth, 5, 25);
  REQUIRE(prefetched.size() == serial.size());
  for (std::size_t i = 0; i < serial.size(); ++i) {
    INFO("item " << i);
    CHECK(at::equal(prefetched[i], serial[i]));
  }
}

TEST_CASE("prefetcher: produces on one worker thread, after on_worker_start",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("one worker thread");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 1, 3);
  INFO("depth " << depth);
  ProduceLog log(static_cast<std::int64_t>(depth));
  std::atomic<int> hook_calls{0};
  std::atomic<bool> produced_before_hook{false};
  std::vector<std::int64_t> items;
  {
    Prefetcher<std::int64_t> prefetcher(
        0, 10,
        [&](std::int64_t index) {
          log.started(index);
          if (hook_calls == 0) produced_before_hook = true;
          return index * index;
        },
        depth, [&] { ++hook_calls; });
    while (std::optional<std::int64_t> item = counted_next(prefetcher, log)) items.push_back(*item);
  }
  CHECK(items == std::vector<std::int64_t>{0, 1, 4, 9, 16, 25, 36, 49, 64, 81});
  const std::set<std::thread::id> threads = log.threads();
  REQUIRE(threads.size() == 1);
  if (depth == 0) {
    CHECK(*threads.begin() == std::this_thread::get_id());
    CHECK(hook_calls == 0);  // no worker thread to set up
  } else {
    CHECK(*threads.begin() != std::this_thread::get_id());
    CHECK(hook_calls == 1);
    CHECK_FALSE(produced_before_hook);
  }
  CHECK(log.too_early() == 0);
}

TEST_CASE("prefetcher: an empty range yields nothing and produces nothing",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("empty range");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 2);
  std::atomic<int> produced{0};
  Prefetcher<int> prefetcher(
      7, 7, [&](std::int64_t) { return ++produced; }, depth);
  CHECK_FALSE(prefetcher.next().has_value());
  CHECK_FALSE(prefetcher.next().has_value());
  CHECK(produced == 0);
}

TEST_CASE("prefetcher: an exception from produce comes out of next for that item",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("exception");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 1, 2, 8);
  INFO("depth " << depth);
  constexpr std::int64_t kFailing = 3;
  ProduceLog log(static_cast<std::int64_t>(depth));
  {
    Prefetcher<std::string> prefetcher(
        0, 20,
        [&](std::int64_t index) {
          log.started(index);
          if (index == kFailing) throw ProduceFailed(index, "no item 3");
          return "item " + std::to_string(index);
        },
        depth);
    for (std::int64_t index = 0; index < kFailing; ++index)
      CHECK(counted_next(prefetcher, log) == "item " + std::to_string(index));
    ++log.next_calls;
    try {
      prefetcher.next();
      FAIL("next() did not throw for the failing item");
    } catch (const ProduceFailed& error) {
      CHECK(std::string(error.what()) == "no item 3");
      CHECK(error.index == kFailing);
    }
    CHECK_FALSE(counted_next(prefetcher, log).has_value());
    CHECK_FALSE(counted_next(prefetcher, log).has_value());
  }  // the destructor joins the worker (the watchdog catches a hang)
  CHECK(log.highest_started() == kFailing);  // nothing after the failed item
  CHECK(log.too_early() == 0);
}

TEST_CASE("prefetcher: an exception from on_worker_start comes out of the first next",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("on_worker_start exception");
  std::atomic<int> produced{0};
  Prefetcher<int> prefetcher(
      0, 5, [&](std::int64_t) { return ++produced; }, 2,
      [] { throw std::runtime_error("no threads"); });
  CHECK_THROWS_MATCHES(prefetcher.next(), std::runtime_error, Catch::Matchers::Message("no threads"));
  CHECK_FALSE(prefetcher.next().has_value());
  CHECK(produced == 0);
}

TEST_CASE("prefetcher: stop from the consumer ends the items without producing far ahead",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("stop from the consumer");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 1, 2, 8);
  INFO("depth " << depth);
  ProduceLog log(static_cast<std::int64_t>(depth));
  Prefetcher<std::int64_t> prefetcher(
      0, 100,
      [&](std::int64_t index) {
        log.started(index);
        return index;
      },
      depth);
  for (std::int64_t index = 0; index < 3; ++index) CHECK(counted_next(prefetcher, log) == index);
  prefetcher.stop();
  CHECK_FALSE(counted_next(prefetcher, log).has_value());
  prefetcher.stop();  // idempotent
  CHECK_FALSE(counted_next(prefetcher, log).has_value());
  // After stop() no produce() starts: at most `depth` items beyond the last one consumed (2).
  CHECK(log.highest_started() <= 2 + static_cast<std::int64_t>(depth));
  CHECK(log.too_early() == 0);
}

TEST_CASE("prefetcher: stop frees the items waiting in the queue at once", "[data][prefetcher]") {
  DeadlockWatchdog watchdog("stop frees items");
  constexpr std::size_t kDepth = 4;
  ProduceLog log(kDepth);
  std::mutex produced_mutex;
  std::vector<std::weak_ptr<std::int64_t>> produced;  // by index
  Prefetcher<std::shared_ptr<std::int64_t>> prefetcher(
      0, 100,
      [&](std::int64_t index) {
        auto item = std::make_shared<std::int64_t>(index);
        {
          std::lock_guard<std::mutex> lock(produced_mutex);
          produced.push_back(item);
        }
        log.started(index);
        return item;
      },
      kDepth);
  const std::shared_ptr<std::int64_t> consumed = *counted_next(prefetcher, log);
  // produce(4) has started, so items 1..3 wait in the queue (item 4 may still be in
  // production: not checked).
  log.wait_until_started(1 + kDepth);
  prefetcher.stop();
  std::lock_guard<std::mutex> lock(produced_mutex);
  for (std::int64_t index = 1; index < 4; ++index) {
    INFO("item " << index);
    CHECK(produced[index].expired());
  }
  CHECK(*consumed == 0);
  CHECK_FALSE(produced[0].expired());  // the consumer's item is its own
}

TEST_CASE("prefetcher: stop from another thread wakes a consumer waiting in next",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("stop from another thread");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 1, 2, 8);
  INFO("depth " << depth);
  ProduceLog log(static_cast<std::int64_t>(depth));
  Gate release_item_3;
  Prefetcher<std::int64_t> prefetcher(
      0, 100,
      [&](std::int64_t index) {
        log.started(index);
        if (index == 3) release_item_3.wait();  // item 3 is still in production at stop()
        return index;
      },
      depth);
  for (std::int64_t index = 0; index < 3; ++index) CHECK(counted_next(prefetcher, log) == index);

  std::thread stopper([&] {
    log.wait_until_started(4);  // produce(3) is running
    // Only makes it likely that the consumer is already waiting in next(); the test passes
    // either way.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    prefetcher.stop();
  });
  CHECK_FALSE(counted_next(prefetcher, log).has_value());  // without waiting for item 3
  stopper.join();
  release_item_3.open();
  CHECK_FALSE(counted_next(prefetcher, log).has_value());
  // stop() came while produce(3) was running: the worker stops after it.
  CHECK(log.highest_started() == 3);
  CHECK(log.too_early() == 0);
}

TEST_CASE("prefetcher: destroying it early returns promptly", "[data][prefetcher]") {
  DeadlockWatchdog watchdog("early destruction");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 1, 2, 8);
  INFO("depth " << depth);
  ProduceLog log(static_cast<std::int64_t>(depth));

  SECTION("while the worker waits on a full queue") {
    const std::int64_t consumed = GENERATE(0, 1);
    {
      Prefetcher<std::vector<int>> prefetcher(
          0, 1000,
          [&](std::int64_t index) {
            log.started(index);
            return std::vector<int>(1000, static_cast<int>(index));
          },
          depth);
      for (std::int64_t index = 0; index < consumed; ++index)
        CHECK(counted_next(prefetcher, log)->front() == index);
      // The queue fills up: `depth` items beyond those consumed.
      log.wait_until_started(static_cast<std::size_t>(consumed) + depth);
    }  // the watchdog catches a destructor that waits for space
    CHECK(log.highest_started() == consumed + static_cast<std::int64_t>(depth) - 1);
  }
  SECTION("while produce is running") {
    Gate release_item_0;
    std::thread opener;
    {
      Prefetcher<int> prefetcher(
          0, 1000,
          [&](std::int64_t index) {
            log.started(index);
            release_item_0.wait();
            return static_cast<int>(index);
          },
          depth);
      log.wait_until_started(1);
      opener = std::thread([&] {
        // Only makes it likely that the destructor is already waiting; passes either way.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        release_item_0.open();
      });
    }  // waits for produce(0) to return
    opener.join();
    // Had the gate opened before stop(), the worker would have gone on to fill the queue.
    CHECK(log.highest_started() <= static_cast<std::int64_t>(depth) - 1);
  }
  CHECK(log.too_early() == 0);
}

TEST_CASE("prefetcher: the worker produces the next item while the consumer still works",
          "[data][prefetcher]") {
  DeadlockWatchdog watchdog("runs ahead");
  const std::size_t depth = GENERATE(as<std::size_t>{}, 0, 1, 2);
  INFO("depth " << depth);
  ProduceLog log(static_cast<std::int64_t>(depth));
  Prefetcher<std::int64_t> prefetcher(
      0, 10,
      [&](std::int64_t index) {
        log.started(index);
        return index;
      },
      depth);
  if (depth == 0) {
    // The serial path produces nothing ahead: produce(i) runs inside next() for item i.
    for (std::int64_t index = 0; index < 10; ++index) {
      CHECK(log.started_indices().size() == static_cast<std::size_t>(index));
      CHECK(counted_next(prefetcher, log) == index);
    }
  } else {
    // Before any next(): the worker fills the queue on its own.
    log.wait_until_started(depth);
    for (std::int64_t index = 0; index < 10; ++index) {
      CHECK(counted_next(prefetcher, log) == index);
      // The consumer "works" on item `index`; meanwhile, without another next(), the worker
      // starts the item `depth` ahead (would hang, caught by the watchdog, if it did not).
      const std::int64_t ahead = index + static_cast<std::int64_t>(depth);
      if (ahead < 10) log.wait_until_started(static_cast<std::size_t>(ahead) + 1);
    }
  }
  CHECK_FALSE(counted_next(prefetcher, log).has_value());
  const std::vector<std::int64_t> started = log.started_indices();
  CHECK(started == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(log.too_early() == 0);  // and never more than `depth` ahead
}
