// The channel-vector layout's AVX-512 kernel: 16 output channels per vector (channel_vector.h), 6 positions × 64
// channels (24 zmm accumulators) per block, the tile transposed 16×16 in registers and stored in full lines. Compiled
// for AVX-512 through a target pragma and called only for the avx512 kernel set, which the CPU check gates; like
// ukernel_avx512.cc it includes no C++ library header inside the pragma, so no library inline compiled for AVX-512
// can leak into the rest of the addon.
#include <cstdint>

#include "channel_vector.h"

#if defined(__x86_64__) || defined(_M_X64)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512dq,avx2,fma")
// GCC 12 warns about the deliberately undefined pass-through operands inside the AVX-512 intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

namespace tconv {
namespace {

constexpr int64_t kLanes = 16;  // output channels per vector

// NP positions × NB blocks of 16 output channels (≤ 24 accumulators, NB weight vectors, one broadcast): for each
// reached (z, y) tap row r, W tap tx and input channel ci, acc[p][b] += w[b] · x(position p) — the order of the
// AVX2 kernel and of the other layouts. The tile holds blocks of [positions padded to 16][16].
template <int NP, int NB, int CI>
void rowBlock(int rows, const int32_t* rowTap, const float* local, int64_t width, int64_t nx, const int64_t* xoff,
              int64_t step, const float* w, int64_t blockStride, int64_t j0, float* tile, int64_t tileBlock) {
  __m512 acc[NP][NB];
#pragma GCC unroll 8
  for (int q = 0; q < NP; q++) {
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) acc[q][b] = _mm512_setzero_ps();
  }
  for (int r = 0; r < rows; r++) {
    const float* lr = local + int64_t(r) * CI * width + j0 * step;
    const float* wt = w + int64_t(rowTap[r]) * CI * kLanes;
    for (int64_t tx = 0; tx < nx; tx++, wt += CI * kLanes) {
      const float* xp = lr + xoff[tx];
#pragma GCC unroll 4
      for (int ci = 0; ci < CI; ci++) {
        __m512 v[NB];
#pragma GCC unroll 4
        for (int b = 0; b < NB; b++) v[b] = _mm512_load_ps(wt + ci * kLanes + b * blockStride);
        const float* xc = xp + ci * width;
#pragma GCC unroll 8
        for (int q = 0; q < NP; q++) {
          const __m512 s = _mm512_set1_ps(xc[q * step]);
#pragma GCC unroll 4
          for (int b = 0; b < NB; b++) acc[q][b] = _mm512_fmadd_ps(v[b], s, acc[q][b]);
        }
      }
    }
  }
#pragma GCC unroll 8
  for (int q = 0; q < NP; q++) {
#pragma GCC unroll 4
    for (int b = 0; b < NB; b++) _mm512_store_ps(tile + b * tileBlock + (j0 + q) * kLanes, acc[q][b]);
  }
}

typedef void (*RowBlock)(int, const int32_t*, const float*, int64_t, int64_t, const int64_t*, int64_t, const float*, int64_t,
                         int64_t, float*, int64_t);
// [input channels − 1][blocks − 1][positions − 1]
#define TCONV_CV_ROW(NB, CI) {rowBlock<1, NB, CI>, rowBlock<2, NB, CI>, rowBlock<3, NB, CI>, rowBlock<4, NB, CI>, rowBlock<5, NB, CI>, rowBlock<6, NB, CI>}
#define TCONV_CV_CHANNELS(CI) {TCONV_CV_ROW(1, CI), TCONV_CV_ROW(2, CI), TCONV_CV_ROW(3, CI), TCONV_CV_ROW(4, CI)}
constexpr RowBlock kRowBlocks[4][4][6] = {TCONV_CV_CHANNELS(1), TCONV_CV_CHANNELS(2), TCONV_CV_CHANNELS(3), TCONV_CV_CHANNELS(4)};
#undef TCONV_CV_CHANNELS
#undef TCONV_CV_ROW

// r[q] holds position q of 16 channels; on return r[c] holds channel c at the 16 positions. Four rounds of 16
// shuffles: pairs of floats, of float pairs, then 128-bit lanes twice.
inline void transpose16(__m512* r) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // r[4a + k], 128-bit lane L: channel 4L + k of positions 4a … 4a + 3.
#pragma GCC unroll 4
  for (int a = 0; a < 16; a += 4) {
    r[a] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[a]), _mm512_castps_pd(t[a + 2])));
    r[a + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[a]), _mm512_castps_pd(t[a + 2])));
    r[a + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[a + 1]), _mm512_castps_pd(t[a + 3])));
    r[a + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[a + 1]), _mm512_castps_pd(t[a + 3])));
  }
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    const __m512 a = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), b = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
    const __m512 c = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88), d = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
    t[k] = _mm512_shuffle_f32x4(a, c, 0x88);
    t[4 + k] = _mm512_shuffle_f32x4(b, d, 0x88);
    t[8 + k] = _mm512_shuffle_f32x4(a, c, 0xDD);
    t[12 + k] = _mm512_shuffle_f32x4(b, d, 0xDD);
  }
#pragma GCC unroll 16
  for (int c = 0; c < 16; c++) r[c] = t[c];
}

// A computed row's pending stores, 16 channels at a time: their 16 × 16 blocks transposed in registers, the bias
// added last (as storeRows), into a channel-major copy of the block in L1, then each channel's row to its plane.
// Storing each transposed block straight out writes 16 lines of one L1 set back to back (planes are 4 KiB apart);
// a plane's lines of a row, neighbouring sets, stored 1.3× faster in a store-only test (in the kernel 0.99×: the
// spread over the next row's FMAs hides most of it). Positions past the row's end are the tile's padding, never stored.
struct PendingRow {
  const float* tile = nullptr;  // nullptr: nothing pending
  float* out;                   // the row's first output, channel 0
  int64_t next, count;          // the next block of 16 channels to store, and their number
};

void storeBlocks(PendingRow& r, int64_t until, const float* bias, int64_t outW, int64_t plane, int64_t tileBlock, float* copy) {
  const int64_t padded = (outW + 15) / 16 * 16;
  for (; r.next < until; r.next++) {
    const int64_t ob = r.next;
    const float* t = r.tile + ob * tileBlock;
    __m512 b[16];  // the block's channels' bias (zero without one)
#pragma GCC unroll 16
    for (int c = 0; c < 16; c++) b[c] = _mm512_set1_ps(bias ? bias[ob * kLanes + c] : 0.0f);
    for (int64_t j = 0; j < padded; j += 16) {
      __m512 v[16];
#pragma GCC unroll 16
      for (int q = 0; q < 16; q++) v[q] = _mm512_load_ps(t + (j + q) * kLanes);
      transpose16(v);
#pragma GCC unroll 16
      for (int c = 0; c < 16; c++) _mm512_store_ps(copy + c * padded + j, _mm512_add_ps(v[c], b[c]));
    }
    float* o = r.out + ob * kLanes * plane;
    const __mmask16 tail = __mmask16((1u << (outW % 16)) - 1);
    for (int c = 0; c < 16; c++, o += plane) {
      const float* d = copy + c * padded;
      int64_t j = 0;
      for (; j + 16 <= outW; j += 16) _mm512_storeu_ps(o + j, _mm512_load_ps(d + j));
      if (j < outW) _mm512_mask_storeu_ps(o + j, tail, _mm512_load_ps(d + j));
    }
  }
}

// The reached input rows, zero-padded along W, 16 columns per masked load: lanes outside the input row are neither
// read nor faulted: as fast as std::fill and memcpy (0.98×, same process), without their library calls per row.
void copyRows(const cvec::RowInput& in, const float* x, int64_t cinG, int64_t inSpatial, int64_t in2, int64_t minX,
              int64_t width, float* local) {
  for (int r = 0; r < in.rows; r++) {
    for (int64_t ci = 0; ci < cinG; ci++) {
      const float* s = x + in.source[r] + ci * inSpatial;
      float* d = local + (r * cinG + ci) * width;
      for (int64_t k = 0; k < width; k += 16) {
        const int64_t c0 = minX + k;  // input column of lane 0
        uint32_t lanes = 0xFFFF;
        if (c0 < 0) lanes = -c0 >= 16 ? 0 : lanes << -c0;
        if (c0 + 16 > in2) lanes &= in2 - c0 <= 0 ? 0 : (1u << (in2 - c0)) - 1;
        const __m512 v = _mm512_maskz_loadu_ps(__mmask16(lanes), s + c0);
        if (k + 16 <= width) {
          _mm512_storeu_ps(d + k, v);
        } else {
          _mm512_mask_storeu_ps(d + k, __mmask16((1u << (width - k)) - 1), v);
        }
      }
    }
  }
}

}  // namespace

void runChannelVectorTask16(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const cvec::Geometry g = cvec::geometry(p);
  const int64_t outW = p.out[2], outH = p.out[1], cinG = p.cinG, M = p.M, plane = p.outSpatial;
  float* tiles = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(scratch) + 63) & ~uintptr_t(63));
  float* local = tiles + g.tile16Floats;
  float* copy = tiles + 2 * M * ((outW + 15) / 16 * 16);  // [16 channels][positions padded to 16]
  const int64_t step = p.axes[2][0].inStep;
  const int64_t blocks = M / kLanes, blockStride = g.taps * cinG * kLanes, tileBlock = (outW + 15) / 16 * 16 * kLanes;
  // The row in position blocks of at most 6, as even as they go (32 = 6 + 6 + 5 + 5 + 5 + 5).
  const int64_t chunks = (outW + 5) / 6, steps = (blocks + 3) / 4 * chunks;
  const int64_t perTask = cvec::rowsPerTask(p, int(kLanes)), rows = int64_t(p.batch) * p.out[0] * outH;
  const int64_t first = task * perTask, last = first + perTask < rows ? first + perTask : rows;
  PendingRow pending;
  for (int64_t row = first; row < last; row++) {
    cvec::RowInput in;
    cvec::loadRowInput(P, g, row, x, nullptr, y, in);
    copyRows(in, x, cinG, p.inSpatial, p.in[2], g.minX, g.width, local);
    if (row + 1 < rows) {
      // The next row's input lines, into L1 while this row computes: the output's 4 MiB evicts the input from L2,
      // and the copy waited on its lines (dcgan-5's ∂X 1.07× with this prefetch, same process).
      cvec::RowInput next;
      cvec::loadRowInput(P, g, row + 1, x, nullptr, nullptr, next);
      for (int r = 0; r < next.rows; r++) {
        for (int64_t ci = 0; ci < cinG; ci++) {
          const float* s = x + next.source[r] + ci * p.inSpatial;
          const int64_t lo = g.minX > 0 ? g.minX : 0, hi = g.minX + g.width < p.in[2] ? g.minX + g.width : p.in[2];
          for (int64_t c = lo; c < hi; c += 16) _mm_prefetch(reinterpret_cast<const char*>(s + c), _MM_HINT_T0);
          if (hi > lo) _mm_prefetch(reinterpret_cast<const char*>(s + hi - 1), _MM_HINT_T0);
        }
      }
    }
    float* tile = tiles + (row & 1) * M * ((outW + 15) / 16 * 16);
    // The previous row's stores, spread over this row's FMA blocks: a row's lines, one per plane 4 KiB apart, missed
    // L1 at every store, and stored back to back they filled the store queue while the FMAs waited.
    int64_t done = 0;
    for (int64_t ob = 0; ob < blocks; ob += 4) {
      const RowBlock* kernel = kRowBlocks[cinG - 1][(blocks - ob < 4 ? blocks - ob : 4) - 1];
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
  storeBlocks(pending, pending.count, bias, outW, plane, tileBlock, copy);
}

}  // namespace tconv
#pragma GCC pop_options
#else
namespace tconv {
void runChannelVectorTask16(const Prepared&, int64_t, float*, const float*, const float*, float*) {}  // never applies
}  // namespace tconv
#endif
