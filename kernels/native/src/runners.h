// Task runners: one task computes and stores the outputs of one (phase combination, group, panels) unit. Tasks write
// disjoint outputs, so the scheduler may run them on any thread in any order.
#pragma once
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// Runs task `task` of P.taskList with thread-local scratch `w` (reserved for P).
void runTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y);

// Largest direct tap table prepare keeps (bytes): beyond it the taps are collected per task, as big layers'
// kernels outweigh that work anyway. The zoo's small convs need 2–35 KiB, seed-k3/k5/k7 8–44 KiB, dcgan-5 (16
// images of 3 channels, 4096 panels) 256 KiB: 20–35% faster with it than without (same-process A/B).
constexpr int64_t kDirectTableBytes = int64_t(256) << 10;

// Fills P's direct tap table (engine.h) when P is a direct layout whose table fits kDirectTableBytes.
void tabulateDirectTaps(Prepared& P);

// Bytes P's direct tap table holds (0 without one): counted with the packed weights against the caches' bounds.
int64_t directTableBytes(const Prepared& P);

}  // namespace tconv
