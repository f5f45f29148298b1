// The channel-vector layout's portable part: where it applies, its geometry and weight packing, and a row task's
// zero-padded input rows. The kernels: channel_vector_avx2.cc (8 channels per vector), channel_vector_avx512.cc (16).
#include "channel_vector.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "layout.h"

namespace tconv {
namespace cvec {

Geometry geometry(const NativePlan& p) {
  Geometry g{};
  const AxisPhase& a = p.axes[2][0];
  g.nz = int64_t(p.axes[0][0].tap.size());
  g.ny = int64_t(p.axes[1][0].tap.size());
  g.nx = int64_t(a.tap.size());
  g.taps = g.nz * g.ny * g.nx;
  if (g.nx == 0) return g;
  const auto range = std::minmax_element(a.offset.begin(), a.offset.end());
  g.minX = *range.first;
  g.width = ((int64_t(p.out[2]) - 1) * a.inStep + *range.second - *range.first + 1 + 7) / 8 * 8;
  g.tileFloats = 2 * ((int64_t(p.out[2]) * p.M + 15) / 16 * 16);
  g.copyFloats = 8 * ((int64_t(p.out[2]) + 7) / 8 * 8);
  g.tile16Floats = (2 * p.M + 16) * ((int64_t(p.out[2]) + 15) / 16 * 16);
  g.localFloats = g.nz * g.ny * p.cinG * g.width;
  return g;
}

int64_t rowsPerTask(const NativePlan& p, int) {
  const int64_t rows = int64_t(p.batch) * p.out[0] * p.out[1];
  return std::max<int64_t>(1, std::min<int64_t>(8, rows / 8));
}

void loadRowInput(const Prepared& P, const Geometry& g, int64_t row, const float* x, float* local, float* y, RowInput& in) {
  const NativePlan& p = P.plan;
  const AxisPhase &az = p.axes[0][0], &ay = p.axes[1][0], &ax = p.axes[2][0];
  const int64_t outH = p.out[1], outD = p.out[0], cinG = p.cinG;
  in.y = row % outH;
  in.z = row / outH % outD;
  in.n = row / (outH * outD);
  // A W tap past the row's ends adds w·0, which leaves the sum's bits as skipping it would (a sum that starts from
  // +0 is never −0).
  in.rows = 0;
  const int64_t in0 = p.in[0], in1 = p.in[1], in2 = p.in[2];
  const int64_t lo = std::max<int64_t>(0, g.minX), hi = std::min<int64_t>(in2, g.minX + g.width);
  for (int64_t tz = 0; tz < g.nz; tz++) {
    const int64_t iz = in.z * az.inStep + az.offset[size_t(tz)];
    if (iz < 0 || iz >= in0) continue;
    for (int64_t ty = 0; ty < g.ny; ty++) {
      const int64_t iy = in.y * ay.inStep + ay.offset[size_t(ty)];
      if (iy < 0 || iy >= in1) continue;
      in.rowTap[in.rows] = int32_t((tz * g.ny + ty) * g.nx);
      in.source[in.rows] = ((in.n * p.inChannels) * in0 + iz) * in1 * in2 + iy * in2;
      for (int64_t ci = 0; ci < cinG && local; ci++) {
        float* d = local + (in.rows * cinG + ci) * g.width;
        const float* s = x + ((in.n * p.inChannels + ci) * in0 + iz) * in1 * in2 + iy * in2;
        std::fill(d, d + g.width, 0.0f);
        if (hi > lo) std::memcpy(d + (lo - g.minX), s + lo, size_t(hi - lo) * sizeof(float));
      }
      in.rows++;
    }
  }
  for (int64_t tx = 0; tx < g.nx; tx++) in.xoff[tx] = ax.offset[size_t(tx)] - g.minX;
  if (P.prefetchOutput && y) {
    // The row's output lines, into L2 (not L1: they are a plane apart, often one L1 set), while the row is computed:
    // their reads for ownership then no longer stall the store.
    const int64_t outW = p.out[2], plane = p.outSpatial;
    const float* at = y + in.n * p.M * plane + (in.z * outH + in.y) * outW;
    for (int64_t m = 0; m < p.M; m++, at += plane) {
      for (int64_t j = 0; j < outW; j += 16) __builtin_prefetch(at + j, 1, 1);
      __builtin_prefetch(at + outW - 1, 1, 1);
    }
  }
}

}  // namespace cvec

using cvec::Geometry;
using cvec::geometry;

bool channelVectorApplies(const NativePlan& p) {
#if defined(__x86_64__) || defined(_M_X64)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
#else
  return false;
#endif
  if (p.groups != 1 || p.batch <= 0 || p.M < 16 || p.M % 8 != 0 || p.cinG < 1 || p.cinG > 4) return false;
  for (int k = 0; k < 3; k++) {
    if (p.axes[k].size() != 1) return false;
    const AxisPhase& a = p.axes[k][0];
    if (a.first != 0 || a.outStep != 1 || a.count != p.out[k] || a.tap.empty()) return false;
  }
  const Geometry g = geometry(p);
  return g.nz * g.ny <= cvec::kMaxRowTaps && g.nx <= 64 && g.tileFloats <= cvec::kTileFloats &&
         g.localFloats <= cvec::kLocalFloats;
}

int channelVectorLanes(const NativePlan& p, const KernelSet* isa) {
  return std::strcmp(isa->name, "avx512") == 0 && p.M % 16 == 0 && geometry(p).tile16Floats <= cvec::kTileFloats ? 16 : 8;
}

int64_t channelVectorScratch(const NativePlan& p) {
  const Geometry g = geometry(p);
  return std::max(g.tileFloats + g.copyFloats, g.tile16Floats) + g.localFloats + 16;  // + 16: room to align the tile to 64 bytes
}

void channelVectorLayout(Prepared& P) {
  const NativePlan& p = P.plan;
  const Geometry g = geometry(p);
  P.channelVector = channelVectorLanes(p, P.isa);
  Combo c{};
  for (int k = 0; k < 3; k++) c.count[k] = p.out[k];
  c.positions = p.outSpatial;
  c.taps = g.taps;
  c.aOffset = 0;
  c.panels = int64_t(p.batch) * p.out[0] * p.out[1];  // one output row each
  const int64_t perTask = cvec::rowsPerTask(p, P.channelVector);
  c.taskPanels = (c.panels + perTask - 1) / perTask;
  singleComboTasks(P, c, g.taps);
  P.kc = 0;
  P.channelStride = p.inSpatial;
  P.prefetchOutput = p.outputLength * 4 > (int64_t(1) << 21);  // as the direct layouts: outputs past L2
  // ~2 FMAs of `lanes` a cycle at two thirds of peak, plus about a cycle per output for the transposing store.
  P.estimatedCycles = double(p.outputLength) * double(g.taps * p.cinG) / (2.0 * P.channelVector) * 1.5 + double(p.outputLength);
}

void packChannelVector(Prepared& P, const float* weight) {
  const NativePlan& p = P.plan;
  const AxisPhase &a0 = p.axes[0][0], &a1 = p.axes[1][0], &a2 = p.axes[2][0];
  const int64_t cinG = p.cinG, lanes = P.channelVector;
  const int64_t taps = int64_t(a0.tap.size() * a1.tap.size() * a2.tap.size());
  for (int64_t m = 0; m < p.M; m++) {
    int64_t t = 0;
    for (size_t tz = 0; tz < a0.tap.size(); tz++) {
      for (size_t ty = 0; ty < a1.tap.size(); ty++) {
        for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
          const int64_t kflat = (int64_t(a0.tap[tz]) * p.kernel[1] + a1.tap[ty]) * p.kernel[2] + a2.tap[tx];
          for (int64_t ci = 0; ci < cinG; ci++) {
            const int64_t index = weightIndex(p, 0, ci, m, kflat);  // one group
            P.weights[((m / lanes * taps + t) * cinG + ci) * lanes + m % lanes] = weight[index];
          }
        }
      }
    }
  }
}

}  // namespace tconv
