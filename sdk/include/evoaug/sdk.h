// Everything a plugin author includes: `#include <evoaug/sdk.h>`.
#pragma once

#include "evoaug/sdk/augmentation.h"
#include "evoaug/sdk/error.h"
#include "evoaug/sdk/model.h"
#include "evoaug/sdk/params.h"
#include "evoaug/sdk/plugin.h"
