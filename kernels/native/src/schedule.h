// Scheduling: hands a prepared layer's tasks to the thread pool — how many threads, in which order, and how the
// threads split the task list (shared counter, or two threads from the two ends).
#pragma once
#include "engine.h"

namespace tconv {

// Runs every task of P on up to `threads` threads (the caller's thread is one of them). Not reentrant: the caller
// holds the engine's lock, since the per-thread workspaces are shared by all calls.
// `copied`: input already is the layout's input copy (inputCopyFor: a subsampled conv wrote it), so none is made.
void runTasks(const Prepared& P, const float* input, const float* bias, float* output, int threads, bool copied = false);

// The buffer of a layout's input copy (split by W phase or with padded channel planes), null when out of memory.
float* inputCopyFor(const Prepared& P);

// Threads a call of P takes when `threads` are allowed: at most one per task, and only as many as the layer's
// estimated work pays for (one extra thread per TCONV_NATIVE_CYCLES_PER_THREAD estimated cycles, default 150k).
int threadsFor(const Prepared& P, int threads);

// Reserves what runTasks will need beyond the workspaces (the phase-split input copy of a layout strided along W; the
// compact input of a subsampled conv; a Winograd layout's per-thread scratch for a call on `threads` threads), so that
// running never allocates; false when the memory is not there (the caller refuses the call by name).
bool reserveRunMemory(const Prepared& P, int threads);

// The compact input of a subsampled conv (Prepared::source; kept across calls), null without one or out of memory.
float* subsampleCopyFor(const Prepared& P);

}  // namespace tconv
