// The oneDNN convolution guard (convolution_check.h).
#include "catch.h"
#include <ATen/Context.h>

#include "model/convolution_check.h"
#include "test_support.h"

TEST_CASE("oneDNN's convolutions agree with LibTorch's reference path here, and the guard keeps it on",
          "[modeling][convolution]") {
  if (!at::hasMKLDNN()) EVOAUG_SKIP("this LibTorch has no oneDNN");
  const double error = evoaug::onednn_convolution_error();
  INFO("oneDNN against the reference: " << error);
  // A machine where this fails has the LibTorch bug the guard exists for: the guard then
  // turns oneDNN off, which the CHECKs below say.
  const evoaug::ConvolutionCheck& check = evoaug::guard_cpu_convolutions();
  CHECK(check.checked);
  CHECK(check.worst_relative_error == error);
  CHECK(check.onednn_disabled == (error > evoaug::kConvolutionTolerance));
  CHECK(at::globalContext().userEnabledMkldnn() == !check.onednn_disabled);
  CHECK(&evoaug::guard_cpu_convolutions() == &check);  // once per process
}
