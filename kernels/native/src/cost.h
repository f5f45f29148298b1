// The cycle model that ranks a plan's candidate layouts and tile shapes before the autotuner times the best few.
#pragma once
#include "engine.h"

namespace tconv {

// Cycle model: FMAs (with the latency floor of few accumulators and a load-port floor), input packing per run,
// micro-kernel calls, per-segment bookkeeping and stores. Only compares candidates; absolute values are rough.
double estimate(Prepared& P);

}  // namespace tconv
