// The core reports every failure as evoaug::Error (the SDK's type, so that errors
// raised inside plugins and in the core are caught the same way at the host's edge).
#pragma once

#include "evoaug/sdk/error.h"

namespace evoaug {
using Error = sdk::Error;
using ParamError = sdk::ParamError;
}  // namespace evoaug
