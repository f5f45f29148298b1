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

}  // namespace

void runChannelVectorTask(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y) {
  if (P.channelVector == 16) {
    runChannelVectorTask16(P, task, scratch, x, bias, y);
    return;
  }
  const NativePlan& p = P.plan;
  const cvec::Geometry g = cvec::geometry(p);
  const int64_t outW = p.out[2], outH = p.out[1], cinG = p.cinG, M = p.M;
  float* tile = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
  float* local = tile + g.tileFloats;
  cvec::RowInput in;
  cvec::loadRowInput(P, g, task, x, local, y, in);  // one row per task
  const int64_t n = in.n, z = in.z, row = in.y, rows = in.rows, step = p.axes[2][0].inStep;
  const int32_t* rowTap = in.rowTap;
  const int64_t* xoff = in.xoff;
  const int64_t plane = p.outSpatial, rowOffset = (z * outH + row) * outW;
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
      kernel[count - 1](int(rows), rowTap, local, g.width, g.nx, xoff, step, w, blockStride, j0, t, tileBlock);
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
