// A guard against wrong CPU convolutions from LibTorch's oneDNN (mkldnn) backend.
//
// Found on 3 Dec 2026: LibTorch 2.6.0 of Debian trixie (oneDNN 3.7.2) on an AMD EPYC with
// AVX-512 returns 1-D convolutions of the paper models' shapes off by 10-70 %, forward and
// backward, with its AVX2 and AVX-512 kernels (its SSE4.1 kernels, LibTorch's own path
// and LibTorch 1.13's oneDNN are right). Training there would be silently wrong. So,
// once per process, evoaug computes a few small convolutions (the shapes that failed)
// both through oneDNN and through LibTorch's reference path; where they disagree beyond
// float rounding, it turns oneDNN off for the process (correct, slower) and warns.
// docs/reliability.md ("Wrong convolutions from a LibTorch build") has the reproduction.
#pragma once

namespace evoaug {

struct ConvolutionCheck {
  bool checked = false;            ///< false where LibTorch has no oneDNN (nothing to check)
  double worst_relative_error = 0;  ///< oneDNN against the reference, over outputs and gradients
  bool onednn_disabled = false;     ///< this check turned oneDNN off
};

/// Where the two disagree by more than this (relative to the largest value), oneDNN is
/// wrong, not rounding differently: float32 rounding gives about 1e-6 on these shapes.
constexpr double kConvolutionTolerance = 1e-3;

/// Runs the check once per process (later calls return the first result) and acts on it.
const ConvolutionCheck& guard_cpu_convolutions();

/// The comparison alone, oneDNN's setting left as it was (for tests).
double onednn_convolution_error();

}  // namespace evoaug
