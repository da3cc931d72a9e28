// Two ranks as two threads of one process, each with its own Gloo process group over
// loopback: the collectives and the gradient reducer against a single process.
#include "distributed/communicator.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <torch/torch.h>

#include <future>
#include <thread>

#include "catch.h"
#include "distributed/gradient_reducer.h"
#include "distributed/test_ranks.h"
#include "evoaug/error.h"

using namespace evoaug;
using evoaug::testing::Contains;

namespace {

using evoaug::testing::free_port;
using evoaug::testing::on_ranks;

WorldLayout layout(int rank, int size, int port) { return evoaug::testing::loopback_layout(rank, size, port); }

torch::nn::Sequential tiny_model() {
  torch::manual_seed(7);
  return torch::nn::Sequential(torch::nn::Conv1d(torch::nn::Conv1dOptions(4, 6, 3)), torch::nn::ReLU(),
                               torch::nn::Flatten(), torch::nn::Linear(6 * 8, 2));
}

// One Adam step on rows [begin, end) of (x, y); with a reducer, the gradient is the
// global batch's.
void train_one_step(torch::nn::Sequential& model, const at::Tensor& x, const at::Tensor& y, std::int64_t begin,
                    std::int64_t end, GradientReducer* reducer) {
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 2; ++step) {
    optimizer.zero_grad();
    const at::Tensor loss = torch::mse_loss(model->forward(x.narrow(0, begin, end - begin)), y.narrow(0, begin, end - begin));
    if (reducer) reducer->start_step(loss.item<double>(), end - begin);
    (reducer ? loss * reducer->loss_scale() : loss).backward();
    if (reducer) reducer->finish_step();
    optimizer.step();
  }
}

}  // namespace

TEST_CASE("two ranks sum, take the maximum, broadcast and gather rows of different counts", "[distributed]") {
  std::vector<at::Tensor> gathered(2);
  std::vector<std::string> texts(2);
  on_ranks(2, [&](int rank, Communicator& c) {
    CHECK(c.backend() == "gloo");
    at::Tensor a = torch::full({3}, static_cast<float>(rank + 1));
    c.sum(a, "test sum");
    CHECK(torch::equal(a, torch::full({3}, 3.0f)));
    at::Tensor m = torch::tensor({static_cast<double>(rank * 10), 1.0});
    c.max(m, "test max");
    CHECK(m[0].item<double>() == 10.0);
    texts[rank] = c.broadcast_text(rank == 1 ? std::string("from rank one") : std::string("ignored"), 1, "text");
    // Rank 0 has two rows, rank 1 three.
    gathered[rank] = c.gather_rows(torch::full({2 + rank, 2}, static_cast<float>(rank)), "test gather");
    c.barrier("test barrier");
  });
  CHECK(texts[0] == "from rank one");
  CHECK(texts[1] == "from rank one");
  const at::Tensor expected = torch::cat({torch::zeros({2, 2}), torch::ones({3, 2})});
  CHECK(torch::equal(gathered[0], expected));
  CHECK(torch::equal(gathered[1], expected));
}

TEST_CASE("two ranks with the gradient reducer train as one process on the global batch", "[distributed]") {
  torch::manual_seed(1);
  const at::Tensor x = torch::randn({12, 4, 10});
  const at::Tensor y = torch::randn({12, 2});
  auto single = tiny_model();
  train_one_step(single, x, y, 0, 12, nullptr);

  std::vector<torch::nn::Sequential> models{tiny_model(), tiny_model()};
  std::vector<std::int64_t> buckets(2);
  // Unequal shards (5 and 7 rows): each rank's gradient is weighted by its share, so the
  // sum is the gradient of the mean over all 12. Tiny buckets: several all-reduces.
  on_ranks(2, [&](int rank, Communicator& c) {
    GradientReducer reducer(models[rank]->parameters(), c, /*bucket_bytes=*/256);
    buckets[rank] = reducer.buckets();
    train_one_step(models[rank], x, y, rank == 0 ? 0 : 5, rank == 0 ? 5 : 12, &reducer);
  });
  CHECK(buckets[0] > 1);
  const auto expected = single->parameters();
  for (int rank = 0; rank < 2; ++rank) {
    const auto got = models[rank]->parameters();
    REQUIRE(got.size() == expected.size());
    for (std::size_t k = 0; k < got.size(); ++k) CHECK(torch::allclose(got[k], expected[k], 1e-5, 1e-6));
  }
  // Without the reducer the ranks would not agree: the test can tell.
  auto alone = tiny_model();
  train_one_step(alone, x, y, 0, 5, nullptr);
  CHECK_FALSE(torch::allclose(alone->parameters()[0], expected[0], 1e-5, 1e-6));
}

TEST_CASE("the rendezvous names what is wrong: a busy port, a rank that never comes, sizes that differ",
          "[distributed]") {
  const std::chrono::milliseconds short_timeout{1500};
  SECTION("the port is taken") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    address.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd, 1) == 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    const int port = ntohs(address.sin_port);
    CHECK_THROWS_WITH(Communicator::connect(layout(0, 2, port), "gloo", c10::kCPU, short_timeout),
                      Contains("cannot hold the rendezvous at 127.0.0.1:" + std::to_string(port)) &&
                          Contains("MASTER_PORT"));
    ::close(fd);
  }
  SECTION("rank 1 never arrives") {
    CHECK_THROWS_WITH(Communicator::connect(layout(0, 2, free_port()), "gloo", c10::kCPU, short_timeout),
                      Contains("rank 0 of 2"));
  }
  SECTION("rank 0 never arrives") {
    CHECK_THROWS_WITH(Communicator::connect(layout(1, 2, free_port()), "gloo", c10::kCPU, short_timeout),
                      Contains("cannot reach the rendezvous") && Contains("Is rank 0 running"));
  }
  SECTION("the ranks disagree on the world's size") {
    const int port = free_port();
    auto first = std::async(std::launch::async, [&] {
      return Communicator::connect(layout(0, 2, port), "gloo", c10::kCPU, std::chrono::milliseconds(5000));
    });
    // Rank 1 believes in a world of three.
    CHECK_THROWS_WITH(Communicator::connect(layout(1, 3, port), "gloo", c10::kCPU, std::chrono::milliseconds(5000)),
                      Contains("WORLD_SIZE = 3 but rank 0 has 2"));
    CHECK_THROWS_WITH(first.get(), Contains("WORLD_SIZE = 2 but rank 1 has 3"));
  }
  SECTION("NCCL is refused where LibTorch has none, or on the CPU") {
    CHECK_THROWS_WITH(Communicator::connect(layout(0, 2, free_port()), "nccl", c10::kCPU, short_timeout),
                      Contains("[runtime] backend = \"nccl\""));
  }
}
