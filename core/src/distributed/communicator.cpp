#include "distributed/communicator.h"

#include "evoaug/build_config.h"

// LibTorch's c10d headers declare each backend only when told it was built in; Gloo
// always is (Debian's and PyTorch's builds), NCCL in CUDA builds.
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO 1
#endif
#if EVOAUG_WITH_NCCL && !defined(USE_C10D_NCCL)
#define USE_C10D_NCCL 1
#endif

#include <spdlog/spdlog.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>
#include <torch/version.h>
#if EVOAUG_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <cstring>
#include <thread>

#include "evoaug/error.h"
#include "evoaug/error_text.h"

namespace evoaug {
namespace {

// The collectives' common base: ProcessGroup in LibTorch 1.x, Backend from 2.0 on.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveGroup = c10d::Backend;
#else
using CollectiveGroup = c10d::ProcessGroup;
#endif

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string seconds_text(std::chrono::milliseconds timeout) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const WorldLayout& world) {
  // GLOO_SOCKET_IFNAME is the variable PyTorch users know for picking the interface.
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  if (is_loopback(world.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// LibTorch 2.4 on prefers a libuv store, which Debian's 2.6 is built without (the store
// then refuses to start): the classic store works in every version. Set only where the
// option exists.
template <class StoreOptions>
auto use_classic_store(StoreOptions& options, int) -> decltype(options.useLibUV = false, void()) {
  options.useLibUV = false;
}
template <class StoreOptions>
void use_classic_store(StoreOptions&, long) {}

bool options_is_server(const WorldLayout& world) { return world.rank == 0 && !world.store_is_hosted; }

// Every rank reads rank 0's WORLD_SIZE first and then counts itself here. Rank 0, finding
// a rank that disagrees, waits (up to the timeout) until the ranks it has heard from have
// read its size before it throws: its store closes with it, and a rank still asking
// would get "Broken pipe" instead of the mismatch (seen under load).
const char* const kSizeSeenKey = "evoaug/world_size_seen";

void wait_until_seen(c10d::Store& store, std::int64_t ranks, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (store.add(kSizeSeenKey, 0) < ranks && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

bool nccl_available() {
#if EVOAUG_WITH_NCCL
  return true;
#else
  return false;
#endif
}

}  // namespace

struct Communicator::Impl {
  WorldLayout world;
  std::string backend;
  c10::Device device = c10::kCPU;  ///< where the collectives' tensors must live
  std::chrono::milliseconds timeout{0};
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveGroup> group;

  [[noreturn]] void fail(const std::string& what, const std::exception& e) const {
    throw Error("distributed run (" + world.describe() + ", " + backend + "): " + what + " failed: " + first_line(e) +
                ". Another rank has probably stopped (its own message says why), or did not answer within "
                "[runtime] distributed_timeout_s = " + seconds_text(timeout));
  }

  template <class Operation>
  auto guarded(const std::string& what, Operation operation) const {
    try {
      return operation();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(what, e);
    }
  }

  void run(const std::string& what, const c10::intrusive_ptr<c10d::Work>& work) const {
    guarded(what, [&] { return work->wait(); });
  }
};

struct Communicator::Pending::Impl {
  c10::intrusive_ptr<c10d::Work> work;
  const Communicator::Impl* owner = nullptr;
  std::string what;
};

Communicator::Pending::Pending() = default;
Communicator::Pending::~Pending() = default;
Communicator::Pending::Pending(Pending&&) noexcept = default;
Communicator::Pending& Communicator::Pending::operator=(Pending&&) noexcept = default;
bool Communicator::Pending::active() const { return impl_ && impl_->work; }

void Communicator::Pending::wait() {
  if (!active()) return;
  auto work = std::move(impl_->work);
  impl_->owner->run(impl_->what, work);
}

Communicator::Communicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Communicator::~Communicator() = default;

int Communicator::rank() const { return impl_->world.rank; }
int Communicator::size() const { return impl_->world.size; }
const std::string& Communicator::backend() const { return impl_->backend; }
const WorldLayout& Communicator::world() const { return impl_->world; }
c10::Device Communicator::device() const { return impl_->device; }

std::unique_ptr<Communicator> Communicator::connect(const WorldLayout& world, const std::string& backend,
                                                    c10::Device device, std::chrono::milliseconds timeout) {
  auto s = std::make_unique<Impl>();
  s->world = world;
  s->timeout = timeout;
  if (backend == "nccl" && !nccl_available())
    throw Error("[runtime] backend = \"nccl\": this evoaug was built against a LibTorch without NCCL (a CPU "
                "build); use \"gloo\", or build against a CUDA LibTorch (docs/distributed.md)");
  if (backend == "nccl" && !device.is_cuda())
    throw Error("[runtime] backend = \"nccl\" needs CUDA devices; this run trains on " + device.str() +
                ". Use \"gloo\" (or \"auto\") on CPUs");
  s->backend = backend == "auto" ? (device.is_cuda() && nccl_available() ? "nccl" : "gloo") : backend;
  s->device = s->backend == "nccl" ? device : c10::Device(c10::kCPU);
  const std::string address = world.master_addr + ":" + std::to_string(world.master_port);

  // The rendezvous: rank 0 listens, every rank (rank 0 too) connects and waits for all.
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(world.master_port);
    options.isServer = world.rank == 0 && !world.store_is_hosted;
    options.numWorkers = static_cast<std::size_t>(world.size);
    options.waitWorkers = true;
    options.timeout = timeout;
    use_classic_store(options, 0);
    s->store = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
  } catch (const std::exception& e) {
    if (options_is_server(world))
      throw Error("distributed run (" + world.describe() + "): cannot hold the rendezvous at " + address + ": " +
                  first_line(e) + ". If the port is in use (another job?), choose a free one with MASTER_PORT; if "
                  "fewer than WORLD_SIZE = " + std::to_string(world.size) + " ranks started, see why they did not");
    throw Error("distributed run (" + world.describe() + "): cannot reach the rendezvous at " + address +
                " (MASTER_ADDR:MASTER_PORT) within " + seconds_text(timeout) + ": " + first_line(e) +
                ". Is rank 0 running, and is that address reachable from this machine?");
  }
  // Every rank must agree on the size of the world: a mismatch would hang in the first
  // collective instead of saying what is wrong.
  const std::string size_text = std::to_string(world.size);
  try {
    s->store->set("evoaug/world_size/" + std::to_string(world.rank),
                  std::vector<std::uint8_t>(size_text.begin(), size_text.end()));
    for (int r = 0; r < world.size; ++r) {
      const auto value = s->store->get("evoaug/world_size/" + std::to_string(r));
      const std::string theirs(value.begin(), value.end());
      if (r == 0 && world.rank != 0) s->store->add(kSizeSeenKey, 1);
      if (theirs != size_text && world.rank == 0) wait_until_seen(*s->store, r, timeout);
      if (theirs != size_text)
        throw Error("distributed run (" + world.describe() + "): this rank has WORLD_SIZE = " + size_text +
                    " but rank " + std::to_string(r) + " has " + theirs + "; every rank must be started with the same");
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error("distributed run (" + world.describe() + "): not every rank of " + size_text + " arrived at " +
                address + " within " + seconds_text(timeout) + ": " + first_line(e));
  }

  try {
    if (s->backend == "gloo") {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(gloo_device(world));
      s->group = c10::make_intrusive<c10d::ProcessGroupGloo>(s->store, world.rank, world.size, options);
    } else {
#if EVOAUG_WITH_NCCL
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      s->group = c10::make_intrusive<c10d::ProcessGroupNCCL>(s->store, world.rank, world.size, options);
#endif
    }
  } catch (const std::exception& e) {
    throw Error("distributed run (" + world.describe() + "): cannot connect the " + s->backend + " process group: " +
                first_line(e));
  }
  spdlog::debug("distributed: {} joined over {} at {}", world.describe(), s->backend, address);
  return std::unique_ptr<Communicator>(new Communicator(std::move(s)));
}

Communicator::Pending Communicator::sum_async(at::Tensor tensor, const char* what) {
  Pending pending;
  pending.impl_ = std::make_unique<Pending::Impl>();
  pending.impl_->owner = impl_.get();
  pending.impl_->what = what;
  std::vector<at::Tensor> tensors{std::move(tensor)};
  pending.impl_->work = impl_->guarded(what, [&] { return impl_->group->allreduce(tensors); });
  return pending;
}

void Communicator::sum(at::Tensor& tensor, const char* what) {
  at::Tensor staged = tensor.to(impl_->device).contiguous();
  sum_async(staged, what).wait();
  if (!staged.is_same(tensor)) tensor.copy_(staged);
}

void Communicator::max(at::Tensor& tensor, const char* what) {
  at::Tensor staged = tensor.to(impl_->device).contiguous();
  std::vector<at::Tensor> tensors{staged};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  impl_->run(what, impl_->guarded(what, [&] { return impl_->group->allreduce(tensors, options); }));
  if (!staged.is_same(tensor)) tensor.copy_(staged);
}

void Communicator::broadcast(at::Tensor& tensor, int root, const char* what) {
  at::Tensor staged = tensor.to(impl_->device).contiguous();
  std::vector<at::Tensor> tensors{staged};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  impl_->run(what, impl_->guarded(what, [&] { return impl_->group->broadcast(tensors, options); }));
  if (!staged.is_same(tensor)) tensor.copy_(staged);
}

bool Communicator::any(bool flag, const char* what) {
  at::Tensor value = torch::tensor({flag ? 1.0f : 0.0f});
  max(value, what);
  return value.item<float>() > 0;
}

std::string Communicator::broadcast_text(const std::string& text, int root, const char* what) {
  at::Tensor length = torch::tensor({static_cast<std::int64_t>(text.size())}, torch::kInt64);
  broadcast(length, root, what);
  const std::int64_t n = length.item<std::int64_t>();
  if (n == 0) return {};
  at::Tensor bytes = torch::zeros({n}, torch::kUInt8);
  if (rank() == root) std::memcpy(bytes.data_ptr(), text.data(), text.size());
  broadcast(bytes, root, what);
  return std::string(static_cast<const char*>(bytes.data_ptr()), static_cast<std::size_t>(n));
}

at::Tensor Communicator::gather_rows(const at::Tensor& rows, const char* what) {
  // Gloo gathers equal shapes: pad every rank's rows to the longest, then cut.
  at::Tensor counts = torch::zeros({size()}, torch::kInt64);
  counts[rank()] = rows.size(0);
  sum(counts, what);
  const std::int64_t longest = counts.max().item<std::int64_t>();
  std::vector<std::int64_t> shape = rows.sizes().vec();
  shape[0] = longest;
  at::Tensor padded = torch::zeros(shape, rows.options().device(impl_->device));
  padded.narrow(0, 0, rows.size(0)).copy_(rows);
  std::vector<std::vector<at::Tensor>> gathered(1);
  for (int r = 0; r < size(); ++r) gathered[0].push_back(torch::empty_like(padded));
  std::vector<at::Tensor> input{padded};
  impl_->run(what, impl_->guarded(what, [&] { return impl_->group->allgather(gathered, input); }));
  std::vector<at::Tensor> parts;
  for (int r = 0; r < size(); ++r) parts.push_back(gathered[0][r].narrow(0, 0, counts[r].item<std::int64_t>()));
  return torch::cat(parts).to(rows.device());
}

void Communicator::barrier(const char* what) {
  // An all-reduce rather than the group's barrier: it honours the same timeout on every
  // backend and cannot be mistaken for a collective on another device.
  at::Tensor one = torch::ones({1}, torch::kFloat32);
  sum(one, what);
}

}  // namespace evoaug
