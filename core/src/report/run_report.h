// Moved to the public API: evoaug/run_report.h. Kept for runtime/runtime.cpp, which includes
// it by this name; include evoaug/run_report.h instead.
#pragma once

#include "evoaug/run_report.h"
