#include "space_to_depth.h"

#include <algorithm>

#include "layout.h"

namespace tconv {
namespace {

constexpr int kRun = 16;  // positions per row run: one zmm of B

int64_t runsPerRow(const NativePlan& p) { return (int64_t(p.out[2]) + kRun - 1) / kRun; }

// Run r of the layer (runs ordered n, z, y, then 16 positions at a time along the row): where its first position's
// patch starts in the input, where it goes in the output (channel 0 of both), and how many positions it has.
struct RunPlace {
  int64_t in, out;
  int lanes;
};
RunPlace runPlace(const NativePlan& p, int64_t r) {
  const int64_t rowRuns = runsPerRow(p), x0 = r % rowRuns * kRun, row = r / rowRuns;
  const int64_t y = row % p.out[1], z = row / p.out[1] % p.out[0], n = row / (int64_t(p.out[1]) * p.out[0]);
  const int64_t sz = p.axes[0][0].inStep, sy = p.axes[1][0].inStep;
  return RunPlace{n * p.inChannels * p.inSpatial + (z * sz * p.in[1] + y * sy) * p.in[2] + 2 * x0,
                  n * p.outChannels * p.outSpatial + (z * p.out[1] + y) * p.out[2] + x0, int(std::min<int64_t>(kRun, p.out[2] - x0))};
}

}  // namespace

bool spaceToDepthApplies(const NativePlan& p, const KernelSet* isa) {
  if (isa == nullptr || isa != avx512Kernels() || p.groups != 1 || p.batch <= 0 || p.M <= 0 || p.cinG <= 0) return false;
  // A B chunk (2 · Cin rows × 32 columns) within packed's 16 KiB: unet-up-1's ∂X (256 channels, 64 KiB chunks) read
  // 0.94–0.97× packed at one thread, 0.89× at two.
  if (p.cinG > 64) return false;
  for (int k = 0; k < 3; k++) {
    if (p.axes[k].size() != 1) return false;
    const AxisPhase& a = p.axes[k][0];
    const int64_t s = a.inStep;
    if (a.first != 0 || a.outStep != 1 || a.count != p.out[k] || a.count <= 0 || int64_t(a.tap.size()) != s) return false;
    for (int64_t t = 0; t < s; t++) {
      if (a.offset[size_t(t)] != t) return false;
    }
    if (int64_t(a.count) * s > p.in[k]) return false;  // every patch inside: no bounds in the packer
  }
  return p.axes[2][0].inStep == 2;
}

void spaceToDepthLayout(Prepared& P) {
  const NativePlan& p = P.plan;
  const int64_t taps = int64_t(p.axes[0][0].tap.size() * p.axes[1][0].tap.size() * p.axes[2][0].tap.size());
  const int64_t runs = int64_t(p.batch) * p.out[0] * p.out[1] * runsPerRow(p), perPanel = P.nr / kRun;
  Combo c{};
  for (int k = 0; k < 3; k++) c.count[k] = p.out[k];
  c.positions = p.outSpatial;
  c.taps = taps;
  c.aOffset = 0;
  c.panels = (runs + perPanel - 1) / perPanel;
  c.taskPanels = c.panels;
  singleComboTasks(P, c, taps);
  P.kc = 2 * p.cinG;  // a B chunk: one (z, y) tap pair, its two W taps × the channels
  P.channelStride = p.inSpatial;
  // Two FMAs of 16 lanes a cycle at 80% of that, the packing inside it.
  P.estimatedCycles = double(p.outputLength) * double(taps * p.cinG) / 32.0 / 0.8;
}

void runSpaceToDepthTask(const Prepared& P, float* B, float* C, int64_t task, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr, mr = P.mr, perPanel = nr / kRun;
  const int64_t runs = int64_t(p.batch) * p.out[0] * p.out[1] * runsPerRow(p);
  const AxisPhase &a0 = p.axes[0][0], &a1 = p.axes[1][0];
  const int64_t in12 = int64_t(p.in[1]) * p.in[2], M = p.M, K = P.maxTaps * p.cinG;
  const float* source[kMaxDirectVectors];
  float* out[kMaxDirectVectors];
  int lanes[kMaxDirectVectors];
  int count = 0;
  for (int64_t r = task * perPanel; r < std::min(runs, (task + 1) * perPanel); r++, count++) {
    const RunPlace at = runPlace(p, r);
    source[count] = x + at.in;
    out[count] = y + at.out;
    lanes[count] = at.lanes;
  }
  // The next panel's runs: the last pair's calls fetch their first pair's lines ahead.
  const float* ahead[kMaxDirectVectors];
  int aheadLast[kMaxDirectVectors], lastOf[kMaxDirectVectors], aheadCount = 0;
  for (int64_t r = (task + 1) * perPanel; r < std::min(runs, (task + 2) * perPanel); r++, aheadCount++) {
    const RunPlace at = runPlace(p, r);
    ahead[aheadCount] = x + at.in;
    aheadLast[aheadCount] = 2 * at.lanes - 1;
  }
  for (int q = 0; q < count; q++) lastOf[q] = 2 * lanes[q] - 1;
  const bool prefetch = P.mr == 14 && P.nr == 32;  // gemmPrefetch14x32Avx512 has the sums of this tile's kernels
  // One (z, y) tap pair at a time (its two W taps × the channels: a B chunk that stays in L1), each chunk's products
  // added to the sums the previous ones left in C, in the same order: the bits of one pass over all of K.
  const int64_t ny = int64_t(a1.tap.size()), chunk = P.kc;
  const int64_t pairs = int64_t(a0.tap.size()) * ny, blocks = (M + mr - 1) / mr;
  const float* from[kMaxDirectVectors];
  const float* upcoming[kMaxDirectVectors];
  for (int64_t pair = 0; pair < pairs; pair++) {
    const int64_t shift = pair / ny * in12 + pair % ny * p.in[2], nextShift = (pair + 1) / ny * in12 + (pair + 1) % ny * p.in[2];
    for (int q = 0; q < count; q++) {
      from[q] = source[q] + shift;
      upcoming[q] = source[q] + nextShift;
    }
    packSpaceToDepthAvx512(B, nr, from, lanes, count, p.cinG, p.inSpatial);
    // The lines the next pack reads (two per run and channel), spread over this pair's row blocks.
    const bool last = pair + 1 == pairs;
    PrefetchLines lines{last ? ahead : upcoming, last ? aheadLast : lastOf, p.cinG, p.inSpatial, 0, 0};
    const int64_t total = 2 * p.cinG * (last ? aheadCount : count);
    for (int64_t row0 = 0, block = 0; row0 < M; row0 += mr, block++) {
      const int rows = int(std::min<int64_t>(mr, M - row0));
      const float* A = P.weights + K * row0 + pair * chunk * rows;
      if (prefetch) {
        lines.first = total * block / blocks;
        lines.count = total * (block + 1) / blocks - lines.first;
        gemmPrefetch14x32Avx512(rows, chunk, A, B, C + row0 * nr, pair > 0, lines);
      } else {
        P.tile->gemm[rows - 1](chunk, A, B, C + row0 * nr, pair > 0);
      }
    }
  }
  // Whole runs followed by a run that continues them in the output are adjacent in C too: one store for all of them,
  // so each channel's lines leave together (a store per run wrote one line per plane and came back for the next: the
  // layout read 0.92× packed that way, 0.95× with this, before the prefetches).
  for (int q = 0; q < count;) {
    int n = lanes[q], next = q + 1;
    for (; next < count && lanes[next - 1] == kRun && out[next] == out[q] + n; next++) n += lanes[next];
    P.isa->store(out[q], p.outSpatial, C + q * kRun, nr, int(M), n, 1, bias);
    q = next;
  }
}

}  // namespace tconv
