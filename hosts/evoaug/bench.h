// `evoaug bench` benchmarks, one file each. They print numbers measured as ratios in
// one run (the machines are noisy), never pass/fail.
#pragma once

#include "commands.h"

namespace evoaug::cli {

int bench_augment(const HostContext& host, const Argv& argv);  // bench_augment.cpp
int bench_train(const HostContext& host, const Argv& argv);    // bench_train.cpp

}  // namespace evoaug::cli
