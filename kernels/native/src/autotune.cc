#include "autotune.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <time.h>

#include "channel_vector.h"
#include "cost.h"
#include "layout.h"
#include "pack.h"
#include "schedule.h"
#include "space_to_depth.h"
#include "runners.h"
#include "winograd.h"
#include "workspace.h"

namespace tconv {
namespace {

// What the timing trial (or the model, when untimed) chose, per plan header and kernel set: a later prepare of the same layer with other weights
// (a model with repeated layer shapes, a new weight array, a resumed training step) builds that candidate directly
// instead of timing four again (12–20 calls' worth on big layers). Safe to reuse because every layout sums in one
// order, so the choice changes only the speed. Process-wide, bounded, guarded: prepare may run on worker threads.
struct TrialChoice {
  int tile, mode;  // index into the kernel set's tiles; 0 packed, 1 batch-minor, 2 direct, 3 packed-split, 4 channel-vector,
                   // 5 space-to-depth
};
std::mutex& trialMutex() {
  static std::mutex instance;
  return instance;
}
std::map<std::pair<std::vector<int32_t>, const KernelSet*>, TrialChoice>& trialChoices() {
  static std::map<std::pair<std::vector<int32_t>, const KernelSet*>, TrialChoice> instance;
  return instance;
}
constexpr size_t kTrialChoicesMax = 4096;  // ~100 bytes each; past it, start over

int modeOf(const Prepared& c) { return c.spaceToDepth ? 5 : c.channelVector ? 4 : c.direct ? 2 : c.batchMinor ? 1 : c.splitStep > 1 ? 3 : 0; }

}  // namespace

std::string prepare(const NativePlan& plan, const float* weight, int64_t weightLength, const KernelSet* isa,
                    const std::string& force, std::unique_ptr<Prepared>& out) {
  if (weightLength != plan.weightLength) {
    return "weight has " + std::to_string(weightLength) + " values but the plan needs " + std::to_string(plan.weightLength);
  }
  {
    NativePlan reduced;
    Subsample subsample;
    if (subsamplePlan(plan, reduced, subsample)) {  // the smaller conv over the one residue class its taps read
      const std::string error = prepare(reduced, weight, weightLength, isa, force, out);
      if (error.empty()) {
        out->source.reset(new NativePlan(plan));
        out->subsample = subsample;
      }
      return error;
    }
  }
  // Direct panels need unit input steps along W: always for transposed phases; a conv strided along W (its one W
  // "phase" has input step s) runs them on an input copy split into its W phases (engine.h, splitStep).
  bool unitW = true;
  for (const AxisPhase& phase : plan.axes[2]) unitW = unitW && phase.inStep == 1;
  const int splitStep = !unitW && plan.axes[2].size() == 1 ? plan.axes[2][0].inStep : 1;
  std::vector<std::unique_ptr<Prepared>> candidates;
  const auto key = std::make_pair(plan.words, isa);
  TrialChoice remembered{-1, -1};
  if (force.empty()) {
    std::lock_guard<std::mutex> lock(trialMutex());
    const auto found = trialChoices().find(key);
    if (found != trialChoices().end()) remembered = found->second;
  }
  // Winograd (winograd.h): chosen by a rule from the shape, never by the trial, so a layer gives the same bits on every
  // run; "winograd" forces it wherever the form fits (tests).
  const int form = winogradFormOf(plan);
  if (form && isa->tileCount > 0 && winogradTileFits(isa->tiles[0]) && (force == "winograd" || (force.empty() && winogradPays(plan, form)))) {
    std::unique_ptr<Prepared> candidate(new Prepared());
    candidate->plan = plan;
    candidate->isa = isa;
    layoutWinograd(*candidate, form, &isa->tiles[0]);
    candidate->weights = alignedFloats(size_t(candidate->weightFloats));
    if (!candidate->weights) return "out of memory packing the weights of the Winograd layout";
    packWinogradWeights(*candidate, weight);
    if (std::getenv("TCONV_NATIVE_TRACE")) {
      std::fprintf(stderr, "tconv native: %s %s (rule), %lld tasks of %lld panels, estimated %.3g cycles\n", winogradName(form),
                   candidate->tile->name, (long long)candidate->tasks, (long long)candidate->wino.panels, candidate->estimatedCycles);
    }
    out = std::move(candidate);
    return std::string();
  }
  // Depthwise rows take any W step on a set with paired rows (a strided conv's rows read its W-phase copy,
  // depthwise_pairs.h); elsewhere strided depthwise convs take the GEMM layouts.
  const bool depthwiseRows = isa->depthwiseRow && (depthwiseSplit(plan).step == 1 || isa->depthwiseRowPair);
  if (plan.cinG == 1 && plan.M == 1 && depthwiseRows && (force.empty() || force == "depthwise")) {
    // One channel in, one out per group: no GEMM to block, rows straight from the input (or its W phases).
    std::unique_ptr<Prepared> candidate(new Prepared());
    candidate->plan = plan;
    candidate->isa = isa;
    candidate->mr = 1;
    candidate->nr = 16;
    candidate->depthwise = 1;
    candidate->channelStride = plan.inSpatial;
    layout(*candidate);
    // ~1 cycle per output and tap (masked load + FMA) plus the stores: decides whether a second thread pays off.
    int64_t taps = 0;
    for (const Combo& c : candidate->combos) taps = std::max(taps, c.taps);
    candidate->estimatedCycles = double(plan.outputLength) * double(taps + 1);
    candidate->weights = alignedFloats(size_t(candidate->weightFloats));
    if (!candidate->weights) return "out of memory packing the weights";
    packWeights(*candidate, weight);
    out = std::move(candidate);
    return std::string();
  }
  for (int tile = 0; tile < isa->tileCount; tile++) {
    const bool hasDirect = (unitW || splitStep > 1) && isa->tiles[tile].direct && isa->directWidth == kDirectWidth;
    // Mode 3 packs from the phase-split input (convs strided along W): every tap's runs are unit-step copies and the
    // channel planes sit at a stride that does not alias in the caches. Forced only: against packed it measured
    // 0.8–1.3× on the suite's ∂X convs, within what the trial's runs move on a busy host, so in the trial it was a
    // coin flip that sometimes chose a worse tile (perf-log.md, 2026-12-07 19:00).
    for (int mode = 0; mode < 4; mode++) {
      if ((mode == 1 && plan.batch < 2) || (mode == 2 && !hasDirect) || (mode == 3 && (splitStep == 1 || force.empty()))) continue;
      if (remembered.tile >= 0 && (tile != remembered.tile || mode != remembered.mode)) continue;
      const char* name = mode == 3 ? "packed-split" : mode == 2 ? "direct" : mode == 1 ? "batch-minor" : "packed";
      // "<layout>+group" (tests): that layout with four panels per task whatever the weight size.
      const bool grouped = force.size() > 6 && force.compare(force.size() - 6, 6, "+group") == 0;
      if (!force.empty() && (grouped ? force.substr(0, force.size() - 6) : force) != name) continue;
      std::unique_ptr<Prepared> candidate(new Prepared());
      candidate->plan = plan;
      candidate->isa = isa;
      candidate->tile = &isa->tiles[tile];
      candidate->mr = isa->tiles[tile].mr;
      if (mode == 2) {
        // Direct row blocks of equal height (32 = 11 + 11 + 10, not 14 + 14 + 4): a short last block has too few
        // accumulators to cover the FMA latency. Same sums in the same order per output; dilated's ∂X 1.02–1.04×.
        const int64_t blocks = (plan.M + candidate->mr - 1) / candidate->mr;
        candidate->mr = int((plan.M + blocks - 1) / blocks);
      }
      candidate->nr = isa->tiles[tile].nr;
      candidate->batchMinor = mode == 1;
      candidate->direct = mode == 2;
      candidate->splitStep = mode >= 2 ? splitStep : 1;
      candidate->padPlanes = mode == 2 && splitStep == 1 && padsPlanes(plan);
      candidate->channelStride = splitChannelStride(plan, candidate->splitStep, candidate->padPlanes);
      candidate->forceGroup = grouped;
      candidate->prefetchOutput = mode == 2 && plan.outputLength * 4 > (int64_t(1) << 21);
      layout(*candidate);
      candidate->estimatedCycles = estimate(*candidate);
      candidates.push_back(std::move(candidate));
    }
  }
  // Few input channels, many output channels (channel_vector.h): one candidate, measured against the others.
  if (channelVectorApplies(plan) && isa->directWidth == kDirectWidth && (force.empty() || force == "channel-vector") &&
      (remembered.tile < 0 || remembered.mode == 4)) {
    std::unique_ptr<Prepared> candidate(new Prepared());
    candidate->plan = plan;
    candidate->isa = isa;
    candidate->tile = &isa->tiles[0];
    candidate->mr = 8;
    candidate->nr = 16;
    candidate->channelVector = 1;
    channelVectorLayout(*candidate);
    candidates.push_back(std::move(candidate));
  }
  // Kernel = stride (space_to_depth.h): one candidate on the set's first tile, measured against the others.
  if (spaceToDepthApplies(plan, isa) && (force.empty() || force == "space-to-depth") && (remembered.tile < 0 || remembered.mode == 5)) {
    std::unique_ptr<Prepared> candidate(new Prepared());
    candidate->plan = plan;
    candidate->isa = isa;
    candidate->tile = &isa->tiles[0];
    candidate->mr = candidate->tile->mr;
    candidate->nr = candidate->tile->nr;
    candidate->spaceToDepth = 1;
    spaceToDepthLayout(*candidate);
    candidates.push_back(std::move(candidate));
  }
  if (candidates.empty() && remembered.tile >= 0) {  // cannot happen for the same header; never loop on it
    std::lock_guard<std::mutex> lock(trialMutex());
    trialChoices().erase(key);
  }
  if (candidates.empty()) return prepare(plan, weight, weightLength, isa, std::string(), out);  // forced layout n/a
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) { return a->estimatedCycles < b->estimatedCycles; });
  // The cycle model ranks; a short measurement decides (once per plan, on zero inputs, one thread). The model is
  // good at tile shapes within one layout but biased between layouts (it underrates packing on the big layers), so
  // the trial takes the best-estimated candidate of every layout within 2x of the best, then the next best overall.
  constexpr size_t kTuned = 4;
  std::vector<size_t> trial;
  for (int mode = 0; mode < 6; mode++) {
    for (size_t i = 0; i < candidates.size(); i++) {
      const Prepared& c = *candidates[i];
      if (modeOf(c) != mode) continue;
      if (c.estimatedCycles <= 2 * candidates[0]->estimatedCycles) trial.push_back(i);
      break;
    }
  }
  for (size_t i = 0; i < candidates.size() && trial.size() < kTuned; i++) {
    if (std::find(trial.begin(), trial.end(), i) == trial.end()) trial.push_back(i);
  }
  std::sort(trial.begin(), trial.end());
  // Measured only while that stays cheap (at most three runs of four candidates, the best estimated under ~30 ms).
  const bool measure = trial.size() > 1 && candidates[0]->estimatedCycles < 1e8 && plan.batch > 0;
  std::vector<float> scratchIn, scratchOut;
  if (measure) {
    scratchIn.assign(size_t(plan.inputLength), 0.0f);
    scratchOut.assign(size_t(plan.outputLength), 0.0f);
  }
  size_t best = trial[0];
  double bestSeconds = 0;
  for (size_t k = 0; k < (measure ? trial.size() : 1); k++) {
    Prepared& c = *candidates[trial[k]];
    c.weights = alignedFloats(size_t(c.weightFloats));
    if (!c.weights) return "out of memory packing the weights";
    packWeights(c, weight);
    tabulateDirectTaps(c);  // timed as it will run
    if (!measure) break;
    if (!reserveRunMemory(c, 1)) return "out of memory for the input copy of a layout (split by W phase or with padded channel planes)";
    // Fastest of up to three runs: the first warms the caches with this layout's weights; a run that another
    // process interrupts only ever reads slower.
    double fastest = 1e30;
    for (int rep = 0; rep < 3; rep++) {
      timespec t0, t1;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
      execute(c, scratchIn.data(), nullptr, scratchOut.data(), 1);
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
      fastest = std::min(fastest, double(t1.tv_sec - t0.tv_sec) + 1e-9 * double(t1.tv_nsec - t0.tv_nsec));
      // Clearly slower twice (one run can be disturbed: steal time and a busy neighbour count as CPU time): no more.
      if (k > 0 && rep >= 1 && fastest > 1.3 * bestSeconds) break;
    }
    c.measuredSeconds = fastest;
    if (std::getenv("TCONV_NATIVE_TRACE")) {  // diagnostics: the trial's candidates and times
      std::fprintf(stderr, "tconv native trial: %s %s, estimated %.3g cycles, %.3f ms\n",
                   c.spaceToDepth ? "space-to-depth" : c.channelVector ? "channel-vector" : c.direct ? "direct" : c.batchMinor ? "batch-minor" : c.splitStep > 1 ? "packed-split" : "packed", c.channelVector == 16 ? "f32_cvec_64x6__avx512" : c.channelVector ? "f32_cvec_16x6__avx2" : c.direct ? c.tile->directName : c.tile->name, c.estimatedCycles, fastest * 1e3);
    }
    const size_t previous = best;
    if (k == 0 || fastest < bestSeconds) {
      best = trial[k];
      bestSeconds = fastest;
    }
    // Keep memory bounded: only the best so far holds packed weights.
    Prepared& loser = *candidates[best == trial[k] ? previous : trial[k]];
    if (k > 0 && loser.weights) {
      std::free(loser.weights);
      loser.weights = nullptr;
      loser.directTapStart = {};
      loser.directTaps = {};
      loser.directOffsets = {};
      loser.directMasks = {};
    }
  }
  // Kept whether timed or chosen by the model alone (big layers skip the trial): the model is deterministic, and
  // plain engine calls prepare on every call, where building every candidate's task lists again cost more than
  // packing (dcgan-2). A forced layout is not a choice for the unforced calls.
  if (force.empty() && remembered.tile < 0) {
    const Prepared& chosen = *candidates[best];
    std::lock_guard<std::mutex> lock(trialMutex());
    if (trialChoices().size() >= kTrialChoicesMax) trialChoices().clear();
    trialChoices()[key] = TrialChoice{int(chosen.tile - isa->tiles), modeOf(chosen)};
  }
  out = std::move(candidates[best]);
  if (out->directTapStart.empty()) tabulateDirectTaps(*out);  // the trial tabulated only the candidates it ran
  return std::string();
}

}  // namespace tconv
