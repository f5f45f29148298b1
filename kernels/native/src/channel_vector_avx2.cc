// The channel-vector layout's AVX2 kernel: 8 output channels per vector (channel_vector.h).
#include <cstdint>

#include "channel_vector.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "transpose8_avx2.h"

namespace tconv {
namespace {

constexpr int64_t kLanes = 8;  // output channels per vector

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

// A computed row's pending stores, 8 channels at a time: each 8 × 8 block of the tile transposed in registers, the
// bias added last (as storeRows), into a channel-major copy of the 8 channels in L1, then each channel's row to its
// plane in one pass. Writing the 8 channels of a block straight to their planes touched each output line in four
// visits, and the lines of one row, 4 KiB apart in every plane, share one L1 set: they were evicted between visits.
struct PendingRow {
  const float* tile = nullptr;  // nullptr: nothing pending
  float* out;                   // the row's first output, channel 0
  int64_t next, count;          // the next block of 8 channels to store, and their number
};

void storeBlocks(PendingRow& r, int64_t until, const float* bias, int64_t outW, int64_t plane, int64_t tileBlock, float* copy) {
  const int64_t padded = (outW + 7) / 8 * 8;
  for (; r.next < until; r.next++) {
    const int64_t ob = r.next;
    const float* t = r.tile + ob * tileBlock;
    float bs[8];  // the block's channels' bias (zero without one)
    for (int c = 0; c < 8; c++) bs[c] = bias ? bias[ob * kLanes + c] : 0.0f;
    int64_t j = 0;
    for (; j + 8 <= outW; j += 8) {
      __m256 v[8];
#pragma GCC unroll 8
      for (int q = 0; q < 8; q++) v[q] = _mm256_load_ps(t + (j + q) * kLanes);
      transpose8(v);
#pragma GCC unroll 8
      for (int c = 0; c < 8; c++) _mm256_store_ps(copy + c * padded + j, _mm256_add_ps(v[c], _mm256_set1_ps(bs[c])));
    }
    for (; j < outW; j++) {
      for (int c = 0; c < 8; c++) copy[c * padded + j] = t[j * kLanes + c] + bs[c];
    }
    float* o = r.out + ob * kLanes * plane;
    for (int c = 0; c < 8; c++, o += plane) {
      const float* d = copy + c * padded;
      j = 0;
      // Streaming stores (no read for ownership) measured 0.76–0.82× these plain ones on dcgan-5 (same process).
      for (; j + 8 <= outW; j += 8) _mm256_storeu_ps(o + j, _mm256_load_ps(d + j));
      for (; j < outW; j++) o[j] = d[j];
    }
  }
}

}  // namespace

void runChannelVectorTask(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y) {
  if (P.channelVector == 16) {
    runChannelVectorTask16(P, task, scratch, x, bias, y);
    return;
  }
  const NativePlan& p = P.plan;
  const cvec::Geometry g = cvec::geometry(p);
  const int64_t outW = p.out[2], outH = p.out[1], cinG = p.cinG, M = p.M, plane = p.outSpatial;
  float* tiles = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
  float* copy = tiles + g.tileFloats;  // [8 channels][positions padded to 8]
  float* local = copy + g.copyFloats;
  const int64_t step = p.axes[2][0].inStep;
  const int64_t blocks = M / kLanes, blockStride = g.taps * cinG * kLanes, tileBlock = outW * kLanes;
  // The row in position blocks of at most 6, as even as they go (32 = 6 + 6 + 5 + 5 + 5 + 5): a remainder block of
  // 1–2 positions runs its few accumulators at FMA latency.
  const int64_t chunks = (outW + 5) / 6, steps = (blocks + 1) / 2 * chunks;
  const int64_t perTask = cvec::rowsPerTask(p, int(kLanes)), rows = int64_t(p.batch) * p.out[0] * outH;
  const int64_t first = task * perTask, last = first + perTask < rows ? first + perTask : rows;
  PendingRow pending;
  for (int64_t row = first; row < last; row++) {
    cvec::RowInput in;
    cvec::loadRowInput(P, g, row, x, local, y, in);
    if (row + 1 < rows) {
      // The next row's input lines, into L1 while this row computes: the output evicts the input from L2, and the
      // copy waited on its lines (as channel_vector_avx512.cc).
      cvec::RowInput next;
      cvec::loadRowInput(P, g, row + 1, x, nullptr, nullptr, next);
      const int64_t lo = g.minX > 0 ? g.minX : 0, hi = g.minX + g.width < p.in[2] ? g.minX + g.width : p.in[2];
      for (int r = 0; r < next.rows && hi > lo; r++) {
        for (int64_t ci = 0; ci < cinG; ci++) {
          const float* s = x + next.source[r] + ci * p.inSpatial;
          for (int64_t c = lo; c < hi; c += 16) _mm_prefetch(reinterpret_cast<const char*>(s + c), _MM_HINT_T0);
          _mm_prefetch(reinterpret_cast<const char*>(s + hi - 1), _MM_HINT_T0);
        }
      }
    }
    float* tile = tiles + (row & 1) * M * outW;
    // The previous row's stores, spread over this row's FMA blocks: a row's lines, one per plane 4 KiB apart, miss
    // L1 at every store, and stored back to back they fill the store queue while the FMAs wait.
    int64_t done = 0;
    for (int64_t ob = 0; ob < blocks; ob += 2) {
      const RowBlock* kernel = kRowBlocks[cinG - 1][ob + 1 < blocks ? 1 : 0];
      const float* w = P.weights + ob * blockStride;
      float* t = tile + ob * tileBlock;
      for (int64_t k = 0, j0 = 0; k < chunks; k++) {
        const int64_t count = outW / chunks + (k < outW % chunks ? 1 : 0);
        kernel[count - 1](in.rows, in.rowTap, local, g.width, g.nx, in.xoff, step, w, blockStride, j0, t, tileBlock);
        j0 += count;
        done++;
        if (pending.tile) storeBlocks(pending, pending.count * done / steps, bias, outW, plane, tileBlock, copy);
      }
    }
    pending.tile = tile;
    pending.out = y + in.n * M * plane + (in.z * outH + in.y) * outW;
    pending.next = 0;
    pending.count = blocks;
  }
  if (pending.tile) storeBlocks(pending, pending.count, bias, outW, plane, tileBlock, copy);
}

}  // namespace tconv
#pragma GCC pop_options
#else
namespace tconv {
void runChannelVectorTask(const Prepared&, int64_t, float*, const float*, const float*, float*) {}  // never applies
}  // namespace tconv
#endif
