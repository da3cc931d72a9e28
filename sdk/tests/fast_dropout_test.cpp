// Fast dropout (fast_dropout.h): LibTorch's dropout distribution, reproducible under a
// seed and for any thread count, differentiable, the identity in evaluation.
#include "catch.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "evoaug/sdk/fast_dropout.h"

namespace fast = evoaug::sdk::fast;

TEST_CASE("fast dropout keeps 1 - p of the elements, scaled by 1 / (1 - p)", "[sdk][dropout]") {
  torch::manual_seed(3);
  const at::Tensor x = torch::rand({64, 32, 200}) + 0.5;
  for (double p : {0.1, 0.2, 0.5}) {
    const at::Tensor y = fast::dropout(x, p, true);
    const at::Tensor kept = y != 0;
    const double kept_share = kept.to(torch::kDouble).mean().item<double>();
    INFO("p = " << p << ", kept " << kept_share);
    CHECK(kept_share == Approx(1.0 - p).margin(0.005));  // 409,600 draws: sd about 0.0008
    CHECK(torch::allclose(y.masked_select(kept), (x / (1.0 - p)).masked_select(kept)));
    // Neighbouring elements are not correlated (a poor hash would keep runs together).
    const at::Tensor a = kept.flatten().slice(0, 0, -1).to(torch::kDouble);
    const at::Tensor b = kept.flatten().slice(0, 1).to(torch::kDouble);
    const double both = (a * b).mean().item<double>();
    CHECK(both == Approx((1.0 - p) * (1.0 - p)).margin(0.005));
  }
}

TEST_CASE("fast dropout is reproducible under a seed, for any thread count, and differs call to call",
          "[sdk][dropout]") {
  const at::Tensor x = torch::ones({16, 8, 300});
  const int threads = at::get_num_threads();
  torch::manual_seed(7);
  at::set_num_threads(1);
  const at::Tensor one = fast::dropout(x, 0.3, true);
  const at::Tensor next = fast::dropout(x, 0.3, true);
  torch::manual_seed(7);
  at::set_num_threads(2);
  const at::Tensor two = fast::dropout(x, 0.3, true);
  at::set_num_threads(threads);
  CHECK(torch::equal(one, two));
  CHECK_FALSE(torch::equal(one, next));
}

TEST_CASE("fast dropout's gradient is its mask, and evaluation is the identity", "[sdk][dropout]") {
  torch::manual_seed(1);
  const at::Tensor x = torch::randn({8, 4, 50}).requires_grad_(true);
  const at::Tensor y = fast::dropout(x, 0.25, true);
  y.sum().backward();
  const at::Tensor expected = (y.detach() != 0).to(torch::kFloat) / 0.75;
  CHECK(torch::allclose(x.grad(), expected));
  CHECK(fast::dropout(x, 0.25, false).data_ptr() == x.data_ptr());
  CHECK(fast::dropout(x, 0.0, true).data_ptr() == x.data_ptr());
  // What it does not take goes to LibTorch: float64 here.
  const at::Tensor d = fast::dropout(x.detach().to(torch::kDouble), 0.25, true);
  CHECK(d.scalar_type() == torch::kDouble);
}
