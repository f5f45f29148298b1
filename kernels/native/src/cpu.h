// Dispatch: which kernel sets this CPU can run (checked at run time with __builtin_cpu_supports), by name, and the
// chosen set's FMA peak.
#pragma once
#include <string>
#include <vector>

#include "ukernel.h"

namespace tconv {

const KernelSet* kernelSetByName(const std::string& name);  // nullptr when unknown or unsupported by this CPU
std::vector<std::string> supportedKernelSets();             // best first

// The kernel set's single-thread FMA peak in GFLOP/s (median of ~1 ms register-only loops over `seconds` of thread
// CPU time), or 0 when the set has no FMA loop.
double fmaPeakGflops(const KernelSet* isa, double seconds);

}  // namespace tconv
