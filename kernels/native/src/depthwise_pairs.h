// Depthwise task of a conv strided along W whose kernel set has DepthwiseRowPair (ukernel.h): the plane's W-phase
// copy is made row by row as the output rows first need it, and output rows whose D/H taps fall inside the input
// alike run two at a time.
#pragma once
#include <cstdint>

#include "engine.h"
#include "runners.h"
#include "workspace.h"

namespace tconv {

void runDepthwisePairTask(const Prepared& P, Workspace& w, const DepthwiseSplit& split, const Combo& c, int64_t g, int64_t n, const float* x,
                          const float* bias, float* y);

}  // namespace tconv
