#include "channel_vector.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace tconv {
namespace {

// Row caps: the tile (out W × M floats) and the zero-padded input rows of one output row stay in L1 beside the
// weights; the (z, y) taps a row reaches fit a small array.
constexpr int64_t kTileFloats = 8192, kLocalFloats = 4096, kMaxRowTaps = 64;
// Output channels per vector.
constexpr int64_t kLanes = 8;

struct Geometry {
  int64_t nz, ny, nx, taps;
  int64_t minX;   // input column of a local row's first float (may be < 0: zeros)
  int64_t width;  // floats per local row: every column an output row reads through its W taps
  int64_t tileFloats, localFloats;
};

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
  g.tileFloats = 2 * ((int64_t(p.out[2]) * p.M + 15) / 16 * 16);  // the blocked tile and its channel-major copy
  g.localFloats = g.nz * g.ny * p.cinG * g.width;
  return g;
}

}  // namespace

bool channelVectorApplies(const NativePlan& p) {
#if defined(__x86_64__) || defined(_M_X64)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
#else
  return false;
#endif
  if (p.groups != 1 || p.batch <= 0 || p.M < 16 || p.M % kLanes != 0 || p.cinG < 1 || p.cinG > 4) return false;
  for (int k = 0; k < 3; k++) {
    if (p.axes[k].size() != 1) return false;
    const AxisPhase& a = p.axes[k][0];
    if (a.first != 0 || a.outStep != 1 || a.count != p.out[k] || a.tap.empty()) return false;
  }
  const Geometry g = geometry(p);
  return g.nz * g.ny <= kMaxRowTaps && g.nx <= 64 && g.tileFloats <= kTileFloats && g.localFloats <= kLocalFloats;
}

int64_t channelVectorScratch(const NativePlan& p) {
  const Geometry g = geometry(p);
  return g.tileFloats + g.localFloats + 8;  // + 8: room to align the tile to 32 bytes
}

void channelVectorLayout(Prepared& P) {
  const NativePlan& p = P.plan;
  const Geometry g = geometry(p);
  Combo c{};
  for (int k = 0; k < 3; k++) c.count[k] = p.out[k];
  c.positions = p.outSpatial;
  c.taps = g.taps;
  c.aOffset = 0;
  c.panels = int64_t(p.batch) * p.out[0] * p.out[1];  // one output row each
  c.taskPanels = c.panels;
  P.combos.assign(1, c);
  P.maxTaps = g.taps;
  P.group = 1;
  P.weightFloats = g.taps * p.cinG * p.M;
  P.tasks = c.panels;
  P.taskList.clear();
  P.taskList.reserve(size_t(P.tasks));
  for (int64_t t = 0; t < P.tasks; t++) P.taskList.push_back(TaskRef{0, 0, t});
  P.phaseMajor.resize(P.taskList.size());
  for (size_t i = 0; i < P.phaseMajor.size(); i++) P.phaseMajor[i] = int32_t(i);
  P.kc = 0;
  P.channelStride = p.inSpatial;
  P.prefetchOutput = p.outputLength * 4 > (int64_t(1) << 21);  // as the direct layouts: outputs past L2
  // ~2 FMAs of 8 lanes a cycle at two thirds of peak, plus about a cycle per output for the transposing store.
  P.estimatedCycles = double(p.outputLength) * double(g.taps * p.cinG) / 16.0 * 1.5 + double(p.outputLength);
}

void packChannelVector(Prepared& P, const float* weight) {
  const NativePlan& p = P.plan;
  const AxisPhase &a0 = p.axes[0][0], &a1 = p.axes[1][0], &a2 = p.axes[2][0];
  const int64_t cinG = p.cinG;
  const int64_t taps = int64_t(a0.tap.size() * a1.tap.size() * a2.tap.size());
  for (int64_t m = 0; m < p.M; m++) {
    int64_t t = 0;
    for (size_t tz = 0; tz < a0.tap.size(); tz++) {
      for (size_t ty = 0; ty < a1.tap.size(); ty++) {
        for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
          const int64_t kflat = (int64_t(a0.tap[tz]) * p.kernel[1] + a1.tap[ty]) * p.kernel[2] + a2.tap[tx];
          for (int64_t ci = 0; ci < cinG; ci++) {
            const int64_t index = weightIndex(p, 0, ci, m, kflat);  // one group
            P.weights[((m / kLanes * taps + t) * cinG + ci) * kLanes + m % kLanes] = weight[index];
          }
        }
      }
    }
  }
}

}  // namespace tconv

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "transpose8_avx2.h"

namespace tconv {
namespace {

// NP positions × NB blocks of 8 output channels (≤ 12 accumulators, NB weight vectors, one broadcast): for each
// reached (z, y) tap row r, W tap tx and input channel ci, acc[p][b] += w[b] · x(position p). CI: the input channels
// (1–4), unrolled: a loop of 3 trips cost more than its FMAs. The tile holds blocks of [out W][8].
template <int NP, int NB, int CI>
void rowBlock(int rows, const int32_t* rowTap, const float* local, int64_t width, int64_t nx, const int64_t* xoff,
              int64_t step, const float* w, int64_t blockStride, int64_t j0, float* tile, int64_t tileBlock) {
  __m256 acc[NP][NB];
#pragma GCC unroll 8
  for (int q = 0; q < NP; q++) {
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) acc[q][b] = _mm256_setzero_ps();
  }
  for (int r = 0; r < rows; r++) {
    const float* lr = local + int64_t(r) * CI * width + j0 * step;
    const float* wt = w + int64_t(rowTap[r]) * CI * kLanes;
    for (int64_t tx = 0; tx < nx; tx++, wt += CI * kLanes) {
      const float* xp = lr + xoff[tx];
#pragma GCC unroll 4
      for (int ci = 0; ci < CI; ci++) {
        __m256 v[NB];
#pragma GCC unroll 4
        for (int b = 0; b < NB; b++) v[b] = _mm256_load_ps(wt + ci * kLanes + b * blockStride);
        const float* xc = xp + ci * width;
#pragma GCC unroll 8
        for (int q = 0; q < NP; q++) {
          const __m256 s = _mm256_broadcast_ss(xc + q * step);
#pragma GCC unroll 4
          for (int b = 0; b < NB; b++) acc[q][b] = _mm256_fmadd_ps(v[b], s, acc[q][b]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int q = 0; q < NP; q++) {
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) _mm256_store_ps(tile + b * tileBlock + (j0 + q) * kLanes, acc[q][b]);
  }
}

typedef void (*RowBlock)(int, const int32_t*, const float*, int64_t, int64_t, const int64_t*, int64_t, const float*, int64_t,
                         int64_t, float*, int64_t);
// [input channels − 1][blocks − 1][positions − 1]
#define TCONV_CV_ROW(NB, CI) {rowBlock<1, NB, CI>, rowBlock<2, NB, CI>, rowBlock<3, NB, CI>, rowBlock<4, NB, CI>, rowBlock<5, NB, CI>, rowBlock<6, NB, CI>}
#define TCONV_CV_CHANNELS(CI) {TCONV_CV_ROW(1, CI), TCONV_CV_ROW(2, CI)}
constexpr RowBlock kRowBlocks[4][2][6] = {TCONV_CV_CHANNELS(1), TCONV_CV_CHANNELS(2), TCONV_CV_CHANNELS(3), TCONV_CV_CHANNELS(4)};
#undef TCONV_CV_CHANNELS
#undef TCONV_CV_ROW

}  // namespace

void runChannelVectorTask(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const Geometry g = geometry(p);
  const AxisPhase &az = p.axes[0][0], &ay = p.axes[1][0], &ax = p.axes[2][0];
  const int64_t outW = p.out[2], outH = p.out[1], outD = p.out[0], cinG = p.cinG, M = p.M;
  const int64_t row = task % outH, z = task / outH % outD, n = task / (outH * outD);
  float* tile = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + 31) & ~uintptr_t(31));
  float* local = tile + g.tileFloats;
  // The input rows this output row reads, zero-padded along W: a W tap past the row's ends adds w·0, which leaves
  // the sum's bits as skipping it would (a sum that starts from +0 is never −0).
  int32_t rowTap[kMaxRowTaps];
  int rows = 0;
  const int64_t in0 = p.in[0], in1 = p.in[1], in2 = p.in[2];
  const int64_t lo = std::max<int64_t>(0, g.minX), hi = std::min<int64_t>(in2, g.minX + g.width);
  for (int64_t tz = 0; tz < g.nz; tz++) {
    const int64_t iz = z * az.inStep + az.offset[size_t(tz)];
    if (iz < 0 || iz >= in0) continue;
    for (int64_t ty = 0; ty < g.ny; ty++) {
      const int64_t iy = row * ay.inStep + ay.offset[size_t(ty)];
      if (iy < 0 || iy >= in1) continue;
      rowTap[rows] = int32_t((tz * g.ny + ty) * g.nx);
      for (int64_t ci = 0; ci < cinG; ci++) {
        float* d = local + (rows * cinG + ci) * g.width;
        const float* s = x + ((n * p.inChannels + ci) * in0 + iz) * in1 * in2 + iy * in2;
        std::fill(d, d + g.width, 0.0f);
        if (hi > lo) std::memcpy(d + (lo - g.minX), s + lo, size_t(hi - lo) * sizeof(float));
      }
      rows++;
    }
  }
  const int64_t plane = p.outSpatial, rowOffset = (z * outH + row) * outW;
  if (P.prefetchOutput) {
    // The row's output lines, into L2 (not L1: they are a plane apart, often one L1 set), while the row is computed:
    // their reads for ownership then no longer stall the store.
    const float* at = y + n * M * plane + rowOffset;
    for (int64_t m = 0; m < M; m++, at += plane) {
      for (int64_t j = 0; j < outW; j += 16) __builtin_prefetch(at + j, 1, 1);
      __builtin_prefetch(at + outW - 1, 1, 1);
    }
  }
  int64_t xoff[64];
  for (int64_t tx = 0; tx < g.nx; tx++) xoff[tx] = ax.offset[size_t(tx)] - g.minX;
  const int64_t blocks = M / kLanes, blockStride = g.taps * cinG * kLanes, tileBlock = outW * kLanes;
  // The row in position blocks of at most 6, as even as they go (32 = 6 + 6 + 5 + 5 + 5 + 5): a remainder block of
  // 1–2 positions runs its few accumulators at FMA latency.
  const int64_t chunks = (outW + 5) / 6;
  for (int64_t ob = 0; ob < blocks; ob += 2) {
    const RowBlock* kernel = kRowBlocks[cinG - 1][ob + 1 < blocks ? 1 : 0];
    const float* w = P.weights + ob * blockStride;
    float* t = tile + ob * tileBlock;
    for (int64_t k = 0, j0 = 0; k < chunks; k++) {
      const int64_t count = outW / chunks + (k < outW % chunks ? 1 : 0);
      kernel[count - 1](rows, rowTap, local, g.width, g.nx, xoff, ax.inStep, w, blockStride, j0, t, tileBlock);
      j0 += count;
    }
  }
  // Transposing store: 8 positions × 8 channels at a time into a channel-major copy of the tile (still in L1), then
  // each channel's row to its plane in one pass (bias added last, as storeRows). Writing the 8 channels of a block
  // straight to their planes touched each output line in four visits, and the lines of one row, 4 KiB apart in every
  // plane, share one L1 set: they were evicted between visits (15% of the layer's time in the store).
  float* rowsOut = tile + blocks * tileBlock;  // [M][out W]
  for (int64_t ob = 0; ob < blocks; ob++) {
    const float* t = tile + ob * tileBlock;
    float* d = rowsOut + ob * kLanes * outW;
    int64_t j = 0;
    for (; j + 8 <= outW; j += 8) {
      __m256 r[8];
#pragma GCC unroll 8
      for (int q = 0; q < 8; q++) r[q] = _mm256_load_ps(t + (j + q) * kLanes);
      transpose8(r);
#pragma GCC unroll 8
      for (int c = 0; c < 8; c++) _mm256_storeu_ps(d + c * outW + j, r[c]);
    }
    for (; j < outW; j++) {
      for (int c = 0; c < kLanes; c++) d[c * outW + j] = t[j * kLanes + c];
    }
  }
  float* out = y + n * M * plane + rowOffset;
  // Streaming stores (no read for ownership) measured 0.76–0.82× these plain ones on dcgan-5 (same process).
  for (int64_t m = 0; m < M; m++, out += plane) {
    const float* d = rowsOut + m * outW;
    const float b = bias ? bias[m] : 0.0f;
    const __m256 bv = _mm256_set1_ps(b);
    int64_t j = 0;
    for (; j + 8 <= outW; j += 8) _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_loadu_ps(d + j), bv));
    for (; j < outW; j++) out[j] = d[j] + b;
  }
}

}  // namespace tconv
#pragma GCC pop_options
#else
namespace tconv {
void runChannelVectorTask(const Prepared&, int64_t, float*, const float*, const float*, float*) {}  // never applies
}  // namespace tconv
#endif
