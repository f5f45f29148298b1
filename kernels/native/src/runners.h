// Task runners: one task computes and stores the outputs of one (phase combination, group, panels) unit. Tasks write
// disjoint outputs, so the scheduler may run them on any thread in any order.
#pragma once
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// Runs task `task` of P.taskList with thread-local scratch `w` (reserved for P).
void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y);

}  // namespace tconv
