// The native engine: polyphase GEMM over packed weights. docs/kernels.md describes the family of modules:
//   cpu        dispatch: the kernel sets this CPU runs, by name
//   layout     a candidate's phase combinations, panels and task list      panel   which input each column reads
//   cost       the cycle model that ranks candidates                       autotune  candidates, trial, choice
//   pack       weights packed into micro-kernel panels                     runners   one task: pack, multiply, store
//   schedule   tasks handed to the thread pool                             workspace per-thread scratch
//
// Design: every transposed convolution is split by the plan's polyphase table (src/shape/phases.ts) into phase
// combinations; each is a stride-1 correlation, i.e. a GEMM with M = Cout/g output channels, N = batch × phase
// positions and K = taps × Cin/g, in which every output is written exactly once (no col2im scatter, no zero-insert).
// A convolution is the same with one "phase" per axis whose input step is the stride.
//  * Weights are packed once per plan into panels of `mr` output channels ([tap][channel][mr]); the micro-kernel
//    broadcasts them. Input values are packed per task into a small B chunk [kc][nr] (nr positions, vector loads),
//    taps that no position of the panel can reach are skipped, and out-of-range inputs become zeros.
//  * A task is (phase combination, group, panel of nr columns). Tasks write disjoint outputs, so threads take them
//    from an atomic counter. Workspace per thread: B chunk, C tile (Cout/g × nr) and index arrays, sized once.
//  * The tile shape (mr × nr) and the column order — (n, position) or (position, n), which groups the same position
//    of every batch element so that tiny inputs with large kernels (DCGAN's 1×1 → 4×4) waste no work on taps that
//    are out of range — are chosen per plan by a small cycle model and a short timing trial (autotune.cc).
#include "engine.h"

#include <cstdlib>
#include <mutex>


#include "eltwise.h"
#include "schedule.h"

namespace tconv {

Prepared::~Prepared() { std::free(weights); }

namespace {

// One call at a time: the per-thread workspaces and the pool are shared by every call.
std::mutex& engineMutex() {
  static std::mutex instance;
  return instance;
}

}  // namespace

void execute(const Prepared& P, const float* input, const float* bias, float* output, int threads, Activation activation) {
  if (P.tasks == 0) return;
  std::lock_guard<std::mutex> lock(engineMutex());
  if (P.source) {
    // Straight into the layout's padded planes when it copies its input that way (no second copy), else compact.
    const bool padded = P.padPlanes && P.splitStep <= 1;
    float* compact = padded ? inputCopyFor(P) : subsampleCopyFor(P);
    if (!compact) std::abort();  // unreachable: every caller reserved it first (reserveRunMemory)
    subsampleInput(*P.source, P.plan, P.subsample, input, compact, padded ? P.channelStride : P.plan.inSpatial);
    runTasks(P, compact, bias, output, threads, padded);
  } else {
    runTasks(P, input, bias, output, threads);
  }
  // One pass after the tasks, with the element-wise kernels the separate map runs (same bits as the unfused pair):
  // the zoo's outputs (≤ a few hundred KiB) are still in L2 when it runs.
  if (activation.kind != 0) eltwiseFor(P.isa)->map(activation.kind, activation.alpha, output, output, P.plan.outputLength);
}

}  // namespace tconv
