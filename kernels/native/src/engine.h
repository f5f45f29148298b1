// The native engine: polyphase GEMM over packed weights. See engine.cc for the design and docs/kernels.md for the
// modules.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "cpu.h"
#include "plan.h"
#include "subsample.h"
#include "ukernel.h"

namespace tconv {

// One combination of per-axis phases (for a conv: the single "phase" of every axis). Its outputs form a dense
// sub-grid; its taps are the product of the per-axis tap lists (z-major), the GEMM's reduction is taps × cinG.
struct Combo {
  int phase[3];
  int64_t count[3];
  int64_t positions;  // count[0]·count[1]·count[2]
  int64_t taps;
  int64_t aOffset;    // first packed-weight float of this combo
  int64_t panels;     // ceil(batch·positions / nr); direct: panels of nr/16 row vectors; depthwise: batch
  int64_t taskPanels; // tasks per group: panels, or ceil(panels / group) when tasks take groups of panels
};

// One unit of work: a panel of one combo and group. Tasks write disjoint outputs.
struct TaskRef {
  int32_t combo, group;
  int64_t panel;
};

struct WinogradKernels;  // winograd_kernels.h

// The Winograd layout of a prepared plan (winograd.h): form 0 = not Winograd.
struct WinogradLayout {
  int form = 0;
  int m = 0;                      // output tile side: 2 (F(2×2, 3×3)) or 3 (F(3×3, 2×2))
  int64_t K = 0;                  // reduction channels: Cin, or 4·Cin for the phase-split form
  int64_t tilesY = 0, tilesX = 0, tiles = 0;  // tiles per image side, and over the batch
  int64_t offsetY = 0, offsetX = 0;           // input row and column of tap 0 for output 0 (minus the padding)
  int64_t panels = 1;             // panels of nr tiles per task
  const WinogradKernels* kernels = nullptr;  // the AVX2 gather and input transform, or nullptr: the portable code
};

// A plan prepared for one instruction set, with its weights packed once.
struct Prepared {
  NativePlan plan;
  // A conv whose taps read one residue class of its input (subsample.h): `plan` is the reduced conv, `source` the
  // caller's plan (its header and buffer sizes), and a call first copies the input through `subsample`. Null: none.
  std::unique_ptr<NativePlan> source;
  Subsample subsample;
  const KernelSet* isa = nullptr;
  const GemmTile* tile = nullptr;  // the tile (mr × nr) its kernels come from; nullptr for depthwise
  int nr = 0, mr = 0;
  int depthwise = 0;   // 1: one input and one output channel per group, rows computed by DepthwiseRow
  int direct = 0;      // 1: panels are single input-row segments read in place (DirectKernel), no B packing
  // Direct layouts of stride-1 planes whose input and output rows have the same width W, not a multiple of the
  // direct vector (8×8 images): a vector is 16 consecutive positions of the flattened (H, W) plane, spanning rows.
  // Position q through tap (oy, ox) reads input q + oy·W + ox, so the lanes stay contiguous; lanes whose column or
  // row leaves the input are masked like a border. Rows of 8 filled half of every vector otherwise (layout.cc).
  int flatRows = 0;
  // Direct layouts of convs strided along W (s > 1): execute first copies the input with every row split into its s
  // W phases (x[p], x[p + s], …), so a tap reads a contiguous run of one phase and the unit-step direct kernels
  // apply (phaseSplitInput). 1: the input is read as it is.
  int splitStep = 1;
  // Floats between two channels' planes of the input the direct kernels read: plan.inSpatial, or for the phase-split
  // copy a padded stride that is no multiple of 1 KiB — the planes of big inputs are multiples of 4 KiB, so a tap's
  // lines in every channel would fall into one L1 set (8 ways for 64 channels; superres' ∂X ran at half speed).
  int64_t channelStride = 0;
  // Stride-1 direct layouts whose channel planes are multiples of 4 KiB (32×32, 64×64) with more channels than L1
  // has ways (padsPlanes, runners.h): execute first copies the input at a padded channel stride (splitStep 1: rows
  // as they are). The kernel walks the channels of one tap back to back, and at a 4 KiB stride all their lines fell
  // into one L1 set; with the copy ldm's 16→16 @32² ran 1.2–1.4× faster (perf-log 2026-12-07, 20:20–21:10).
  int padPlanes = 0;
  // Direct layouts whose output outgrows L2: a task first prefetches its output lines, so that their reads for
  // ownership overlap the multiply instead of stalling the store (dcgan-5's ∂X writes 4 MiB).
  int prefetchOutput = 0;
  // Channel-vector layout (channel_vector.h): convs with few input and many output channels, tasks are output rows.
  int channelVector = 0;
  // Space-to-depth layout (space_to_depth.h): kernel = stride convs, B packed straight from the input's patches.
  int spaceToDepth = 0;
  WinogradLayout wino;  // form ≠ 0: the Winograd layout (winograd.h) instead of the panels and combos below
  int batchMinor = 0;  // column order: 0 = (n, position), 1 = (position, n), chosen by the cost model
  bool forceGroup = false;  // tests: group panels whatever the weight size
  int group = 1;       // panels per task (packed layouts whose weights outgrow L2 share each weight chunk)
  int64_t kc = 0;      // reduction rows per packed input chunk (B chunk of kc × nr stays in L1)
  int64_t maxTaps = 0;
  int64_t tasks = 0;
  double estimatedCycles = 0;
  double measuredSeconds = 0;  // one-thread time on zero inputs when prepare() compared candidates, else 0
  std::vector<Combo> combos;
  // Ordered group, panel, combo: the phases that interleave in the same output rows run back to back, so an
  // output cache line is still cached when its other phases are written.
  std::vector<TaskRef> taskList;
  std::vector<int32_t> phaseMajor;  // task indices by phase combination (two threads: one from each end)
  float* weights = nullptr;  // 64-byte aligned packed weights
  int64_t weightFloats = 0;
  // Direct layouts of small plans: each panel's reached taps, lane-0 input offsets and lane masks — what
  // collectDirectTaps derives from the plan alone — tabulated once at prepare (runners.cc) instead of on every call,
  // where they were ~60% of a tiny layer's instructions. Panel p = task · group + q owns taps
  // [directTapStart[p], directTapStart[p + 1]) and the lanes from directTapStart[p] · vectors on. Empty: computed
  // per task (layers whose table would pass kDirectTableBytes).
  std::vector<int64_t> directTapStart;
  std::vector<int32_t> directTaps;
  std::vector<int64_t> directOffsets;
  std::vector<uint16_t> directMasks;
  ~Prepared();
};

// The plan the caller's header and buffers follow: the source of a subsampled conv, else the plan itself.
inline const NativePlan& callerPlan(const Prepared& P) { return P.source ? *P.source : P.plan; }

// Chooses tile shape and column order (cycle model, then a short measurement of the best few), packs the weights.
// Returns an error sentence, or "" on success.
// `force`: "" lets the cycle model choose; "packed", "batch-minor" or "direct" forces that layout (tests cover each;
// a forced layout that does not apply to the plan falls back to the model's choice).
std::string prepare(const NativePlan& plan, const float* weight, int64_t weightLength, const KernelSet* isa,
                    const std::string& force, std::unique_ptr<Prepared>& out);

// Applied to every output element after the bias, exactly as src/engine/ops/activation.ts defines it.
struct Activation {
  int kind = 0;        // ACTIVATION_CODES: 0 none, 1 relu, 2 leaky relu (alpha·v in double, rounded once), 3 tanh,
                       // 4 sigmoid, 5 silu (eltwise.h)
  double alpha = 0;
};

// Computes the layer. Buffer lengths must already be checked against the plan (addon.cc does).
void execute(const Prepared& prepared, const float* input, const float* bias, float* output, int threads,
             Activation activation = {});

}  // namespace tconv
