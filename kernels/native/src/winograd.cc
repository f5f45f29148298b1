#include "winograd.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "cpu.h"
#include "winograd_kernels.h"

namespace tconv {
namespace {

// Most tiles one panel holds (the kernel sets' nr are 8…64).
constexpr int kMaxLanes = 64;

// The transforms (derived from the evaluation matrices at 0, 1, −1, ∞; test/native/winograd.test.ts checks them in
// float64): Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 −1 0 1] for both forms; G = diag(1, ½, ½, 1)·[1 0 0; 1 1 1; 1 −1 1;
// 0 0 1] and Aᵀ = [1 1 1 0; 0 1 −1 1] for F(2×2, 3×3); G = diag(1, ½, ½, 1)·[1 0; 1 1; 1 −1; 0 1] and
// Aᵀ = [1 1 1 0; 0 1 −1 0; 0 1 1 1] for F(3×3, 2×2).

bool consecutiveTaps(const AxisPhase& a, int32_t kernel, int32_t step, int32_t out) {
  if (a.first != 0 || a.outStep != 1 || a.count != out || a.inStep != step || int32_t(a.tap.size()) != kernel) return false;
  for (int32_t t = 0; t < kernel; t++) {
    if (a.tap[size_t(t)] != t || a.offset[size_t(t)] != a.offset[0] + t) return false;
  }
  return true;
}

// The tiles of one panel: where each one's input window and output tile start.
struct PanelTiles {
  int lanes = 0;  // tiles in the panel (the rest of its nr lanes are zeros, never stored)
  int64_t in[kMaxLanes], out[kMaxLanes];  // input offset of the window's corner (may lie outside), output offset
  int32_t y0[kMaxLanes], x0[kMaxLanes];   // the window's corner (input row and column)
  int8_t rows[kMaxLanes], cols[kMaxLanes];  // outputs of the tile inside the image
  bool inside[kMaxLanes];                   // the whole input window lies inside the image
  bool inside8[kMaxLanes / 8];              // lanes 8g…8g + 7 are tiles whose windows lie inside
};

void panelTiles(const Prepared& P, int64_t tile0, PanelTiles& t) {
  const NativePlan& p = P.plan;
  const WinogradLayout& L = P.wino;
  const int stride = L.form == kWinogradF3x2Split ? 2 : 1;
  t.lanes = int(std::min<int64_t>(P.nr, L.tiles - tile0));
  for (int l = 0; l < t.lanes; l++) {
    const int64_t tile = tile0 + l, image = tile / (L.tilesY * L.tilesX), at = tile % (L.tilesY * L.tilesX);
    const int64_t oy = at / L.tilesX * L.m, ox = at % L.tilesX * L.m;
    t.y0[l] = int32_t(oy * stride + L.offsetY);
    t.x0[l] = int32_t(ox * stride + L.offsetX);
    t.in[l] = image * p.inChannels * p.inSpatial + int64_t(t.y0[l]) * p.in[2] + t.x0[l];
    t.out[l] = image * p.outChannels * p.outSpatial + oy * p.out[2] + ox;
    t.rows[l] = int8_t(std::min<int64_t>(L.m, p.out[1] - oy));
    t.cols[l] = int8_t(std::min<int64_t>(L.m, p.out[2] - ox));
    const int side = L.form == kWinogradF3x2Split ? 8 : 4;
    t.inside[l] = t.y0[l] >= 0 && t.x0[l] >= 0 && t.y0[l] + side <= p.in[1] && t.x0[l] + side <= p.in[2];
  }
  for (int g = 0; g < P.nr / 8; g++) {
    t.inside8[g] = 8 * g + 8 <= t.lanes;
    for (int l = 8 * g; l < 8 * g + 8 && t.inside8[g]; l++) t.inside8[g] = t.inside[l];
  }
}

// Eight lanes of GCC's generic vectors: SSE pairs at the addon's baseline ISA, one register where the compiler may use
// AVX. Every buffer they touch is 32-byte aligned (nr is a multiple of 8, the scratch 64-byte aligned).
typedef float Lanes __attribute__((vector_size(32)));
inline Lanes& at(float* p) { return *reinterpret_cast<Lanes*>(p); }
inline const Lanes& at(const float* p) { return *reinterpret_cast<const Lanes*>(p); }

// V = Bᵀ d B of one 4×4 tile per lane: d is [16][nr], row ξ of V goes to v + ξ·xiStride. Row i of Bᵀ d needs rows
// {0, 2}, {1, 2}, {1, 2} or {1, 3} of d: each is formed and transformed along its columns at once.
inline void transformInput(const float* __restrict d, float* __restrict v, int64_t xiStride, int nr) {
  for (int l = 0; l < nr; l += 8) {
    for (int i = 0; i < 4; i++) {
      Lanes t[4];
      for (int j = 0; j < 4; j++) {
        const Lanes d1 = at(d + (4 + j) * nr + l), d2 = at(d + (8 + j) * nr + l);
        t[j] = i == 0 ? at(d + j * nr + l) - d2 : i == 1 ? d1 + d2 : i == 2 ? d2 - d1 : at(d + (12 + j) * nr + l) - d1;
      }
      at(v + (i * 4 + 0) * xiStride + l) = t[0] - t[2];
      at(v + (i * 4 + 1) * xiStride + l) = t[1] + t[2];
      at(v + (i * 4 + 2) * xiStride + l) = t[2] - t[1];
      at(v + (i * 4 + 3) * xiStride + l) = t[3] - t[1];
    }
  }
}

// The input transform of one channel ci of one panel: its tiles into V (row k of ξ at V + ξ·xiStride + k·nr).
// Split: the 8×8 window of a 3×3 output tile holds a 4×4 tile of each of the four (row, column) phases, channel
// k = 4·ci + 2a + b. Windows inside the image are copied without bounds; the others read zeros outside. The rows of
// channel ci + 2 are prefetched: a panel reads a few lines of every row of every channel plane, far apart (superres'
// planes are 256 KiB), and waited on each line without it (the input transform took longer than the 16 GEMMs).
template <bool Split>
void inputChannel(const Prepared& P, const PanelTiles& t, const float* x, int64_t ci, float* V, int64_t xiStride) {
  constexpr int kSide = Split ? 8 : 4, kPhases = Split ? 4 : 1;
  const NativePlan& p = P.plan;
  const int nr = P.nr;
  const int64_t H = p.in[1], W = p.in[2];
  alignas(64) float d[kPhases * 16 * kMaxLanes];
  for (int e = 0; e < kPhases * 16; e++) {
    for (int l = t.lanes; l < nr; l++) d[e * nr + l] = 0.0f;  // lanes past the last tile: zeros, never stored
  }
  const float* xc = x + ci * p.inSpatial;
  if (ci + 2 < p.inChannels) {
    for (int l = 0; l < t.lanes; l++) {
      if (!t.inside[l]) continue;
      for (int r = 0; r < kSide; r++) __builtin_prefetch(xc + 2 * p.inSpatial + t.in[l] + r * W);
    }
  }
  const WinogradKernels* kernels = P.wino.kernels;
  for (int l = 0; l < t.lanes; l++) {
    const float* corner = xc + t.in[l];
    if (Split && kernels && l % 8 == 0 && t.inside8[l / 8]) {  // eight windows by register transposes
      const float* corners[8];
      for (int i = 0; i < 8; i++) corners[i] = xc + t.in[l + i];
      kernels->gatherSplit8(corners, W, d + l, nr);
      l += 7;
      continue;
    }
    if (t.inside[l]) {
#pragma GCC unroll 8
      for (int r = 0; r < kSide; r++) {
#pragma GCC unroll 8
        for (int c = 0; c < kSide; c++) {
          const int e = Split ? ((r & 1) * 2 + (c & 1)) * 16 + (r >> 1) * 4 + (c >> 1) : r * 4 + c;
          d[e * nr + l] = corner[r * W + c];
        }
      }
      continue;
    }
    for (int r = 0; r < kSide; r++) {
      const bool rowIn = t.y0[l] + r >= 0 && t.y0[l] + r < H;
      for (int c = 0; c < kSide; c++) {
        const int e = Split ? ((r & 1) * 2 + (c & 1)) * 16 + (r >> 1) * 4 + (c >> 1) : r * 4 + c;
        d[e * nr + l] = rowIn && t.x0[l] + c >= 0 && t.x0[l] + c < W ? corner[r * W + c] : 0.0f;
      }
    }
  }
  for (int ph = 0; ph < kPhases; ph++) {
    if (kernels) kernels->transformInput(d + ph * 16 * nr, V + (ci * kPhases + ph) * nr, xiStride, nr);
    else transformInput(d + ph * 16 * nr, V + (ci * kPhases + ph) * nr, xiStride, nr);
  }
}

// Y = Aᵀ m A (+ bias) of one panel, clipped to the image: m of output channel mo and ξ at Out + mo·nr + ξ·xiStride.
// Row a of Aᵀ m: rows {0, 1, 2}, then {1, 2, 3} (F(2×2, 3×3)) or {1, 2} and {1, 2, 3} (F(3×3, 2×2)) of m.
template <int Side>
void outputPanel(const Prepared& P, const PanelTiles& t, const float* Out, int64_t xiStride, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const int nr = P.nr;
  alignas(64) float Y[Side * Side * kMaxLanes];
  for (int64_t mo = 0; mo < p.M; mo++) {
    const float* s = Out + mo * nr;
    for (int l = 0; l < nr; l += 8) {
      for (int a = 0; a < Side; a++) {
        Lanes r[4];
        for (int j = 0; j < 4; j++) {
          const Lanes s1 = at(s + (4 + j) * xiStride + l), s2 = at(s + (8 + j) * xiStride + l);
          if (a == 0) {
            r[j] = at(s + j * xiStride + l) + s1 + s2;
          } else if (a == Side - 1) {
            r[j] = Side == 2 ? s1 - s2 + at(s + (12 + j) * xiStride + l) : s1 + s2 + at(s + (12 + j) * xiStride + l);
          } else {
            r[j] = s1 - s2;
          }
        }
        at(Y + (a * Side + 0) * nr + l) = r[0] + r[1] + r[2];
        if constexpr (Side == 2) {
          at(Y + (a * Side + 1) * nr + l) = r[1] - r[2] + r[3];
        } else {
          at(Y + (a * Side + 1) * nr + l) = r[1] - r[2];
          at(Y + (a * Side + 2) * nr + l) = r[1] + r[2] + r[3];
        }
      }
    }
    if (bias) {
      const float b = bias[mo];
      for (int e = 0; e < Side * Side * nr; e++) Y[e] += b;
    }
    float* ym = y + mo * p.outSpatial;
    for (int l = 0; l < t.lanes; l++) {
      for (int a = 0; a < t.rows[l]; a++) {
        for (int b = 0; b < t.cols[l]; b++) ym[t.out[l] + a * p.out[2] + b] = Y[(a * Side + b) * nr + l];
      }
    }
  }
}

// Floats between the scratch of two transform positions ξ: the 16 rows one tile writes (V) or reads (Out) at once
// fell into one L1 set at strides of 4 KiB multiples (superres: 48 KiB), so such strides get one more cache line.
int64_t xiStride(int64_t floats) { return floats % 256 == 0 ? floats + 16 : floats; }

}  // namespace

bool winogradTileFits(const GemmTile& tile) { return tile.nr % 8 == 0 && tile.nr <= kMaxLanes; }

int winogradFormOf(const NativePlan& p) {
  if (p.kind != 1 || p.groups != 1 || p.batch < 1) return kWinogradNone;
  if (p.in[0] != 1 || p.out[0] != 1 || p.kernel[0] != 1 || p.axes[0].size() != 1) return kWinogradNone;
  if (p.axes[1].size() != 1 || p.axes[2].size() != 1) return kWinogradNone;
  const int32_t k = p.kernel[1];
  const int32_t step = k == 3 ? 1 : k == 4 ? 2 : 0;
  if (step == 0 || p.kernel[2] != k) return kWinogradNone;
  if (!consecutiveTaps(p.axes[1][0], k, step, p.out[1]) || !consecutiveTaps(p.axes[2][0], k, step, p.out[2])) return kWinogradNone;
  return k == 3 ? kWinogradF2x3 : kWinogradF3x2Split;
}

bool winogradPays(const NativePlan& p, int form) {
  if (form == kWinogradNone) return false;
  const bool split = form == kWinogradF3x2Split;
  const int64_t m = split ? 3 : 2, K = split ? 4 * int64_t(p.inChannels) : p.inChannels;
  const int64_t tiles = int64_t(p.batch) * ((p.out[1] + m - 1) / m) * ((p.out[2] + m - 1) / m);
  // Share of the computed outputs that lie inside the image (partial tiles at the edges compute their whole tile).
  const double used = double(p.batch) * p.out[1] * p.out[2] / double(tiles * m * m);
  // Same-process A/Bs against the trial's layout, AVX2, one thread (docs/kernels.md): the transforms cost per tile
  // about what K + M channels of the GEMM do, the split form's 8×8 windows twice the plain form's 4×4 ones.
  // Won at K ≥ 64 (plain) or 256 (split) with M ≥ 64 on at least 64 tiles, 1.1–1.9×; lost below (K 8–32: 0.4–0.8×;
  // split K 64–128 or M 32: 0.7–1.0×), and where partial tiles waste a quarter of the products or more (dcgan-2's
  // 4×4 outputs from 2×2 tiles of 3×3: 0.83–0.92×), or on 36 tiles (0.82×).
  return K >= (split ? 256 : 64) && p.M >= 64 && tiles >= 64 && used >= 0.75;
}

void layoutWinograd(Prepared& P, int form, const GemmTile* tile) {
  const NativePlan& p = P.plan;
  WinogradLayout& L = P.wino;
  L.form = form;
  L.m = form == kWinogradF2x3 ? 2 : 3;
  L.K = form == kWinogradF2x3 ? p.inChannels : 4 * int64_t(p.inChannels);
  L.tilesY = (p.out[1] + L.m - 1) / L.m;
  L.tilesX = (p.out[2] + L.m - 1) / L.m;
  L.tiles = int64_t(p.batch) * L.tilesY * L.tilesX;
  L.offsetY = p.axes[1][0].offset[0];
  L.offsetX = p.axes[2][0].offset[0];
  // The AVX2 gather and transform for every set but the portable one (copies and adds: the same bits).
  L.kernels = P.isa != scalarKernels() && kernelSetByName("avx2") ? winogradAvx2Kernels() : nullptr;
  P.tile = tile;
  P.mr = tile->mr;
  P.nr = tile->nr;
  P.channelStride = p.inSpatial;
  const int64_t panels = (L.tiles + P.nr - 1) / P.nr, mPad = (p.M + P.mr - 1) / P.mr * P.mr;
  // Panels per task: each task streams all of U once, so more panels reuse it more — while the task's scratch
  // (16 · panels · nr · (K + M) floats) stays within L2 and at least 8 tasks (or one per panel) remain to balance.
  L.panels = 1;
  for (int64_t q = 2; q <= 8; q++) {
    if (16 * q * P.nr * (L.K + mPad) * 4 > (int64_t(1) << 20) || (panels + q - 1) / q < std::min<int64_t>(8, panels)) break;
    L.panels = q;
  }
  P.group = int(L.panels);
  P.tasks = (panels + L.panels - 1) / L.panels;
  P.weightFloats = 16 * p.M * L.K;
  // Two FMAs a cycle on the GEMM, and the transforms' ~4 vector operations per input channel or output channel, ξ
  // and tile: what threadsFor needs to decide on a second thread.
  const double columns = double(panels * P.nr), lanes = double(P.isa->lanes);
  P.estimatedCycles = 16.0 * double(mPad) * double(L.K) * columns / (2 * lanes) + 16.0 * double(L.K + p.M) * columns * 4 / lanes;
}

// G applied to the r values at g[0], g[step], …: the four rows of G g (G's ½ rows as one sum, halved).
template <int R>
inline void transformWeights(const double* g, int step, double* out, int outStep) {
  const double g0 = g[0], g1 = g[step], last = g[(R - 1) * step];
  const double mid = R == 3 ? g0 + last : g0;  // r = 3: g0 + g2 in both middle rows
  out[0] = g0;
  out[outStep] = 0.5 * (mid + g1);
  out[2 * outStep] = 0.5 * (mid - g1);
  out[3 * outStep] = last;
}

// U = G g Gᵀ in double (rows, then columns), rounded once, for every (output channel, reduction channel), written
// where the GEMM reads it: ξ-major, then the tile's row blocks, [k][rows]. Weights change every training step and
// ∂X packs them again then, so this runs once per step: written out separably (16·Cout·K values, dcgan-3's ∂X 2M).
template <int R>
void packWeightsOf(Prepared& P, const float* weight) {
  const NativePlan& p = P.plan;
  const int64_t K = P.wino.K, M = p.M, k = p.kernel[1];
  constexpr bool kSplit = R == 2;
  // One output channel's 16·K values first, then written ξ by ξ: written as computed, the 16 stores of one
  // (channel, k) went to 16 pages M·K floats apart, all in one L1 set (5 ms of dcgan-3's ∂X repack; now ~1 ms).
  std::vector<float> channel(size_t(16 * K));
  for (int64_t mo = 0; mo < M; mo++) {
    const int64_t row0 = mo / P.mr * P.mr, rows = std::min<int64_t>(P.mr, M - row0);
    for (int64_t ci = 0; ci < p.inChannels; ci++) {
      const float* w = weight + (mo * p.inChannels + ci) * k * k;
      for (int phase = 0; phase < (kSplit ? 4 : 1); phase++) {
        const int a = phase >> 1, b = phase & 1;
        double g[R * R], t[4 * R], u[16];
        for (int i = 0; i < R; i++) {
          for (int j = 0; j < R; j++) g[i * R + j] = kSplit ? w[(2 * i + a) * k + 2 * j + b] : w[i * k + j];
        }
        for (int j = 0; j < R; j++) transformWeights<R>(g + j, R, t + j, R);  // columns of g → rows of G g
        for (int i = 0; i < 4; i++) transformWeights<R>(t + i * R, 1, u + i * 4, 1);  // rows of G g → (G g) Gᵀ
        const int64_t kk = kSplit ? 4 * ci + phase : ci;
        for (int xi = 0; xi < 16; xi++) channel[size_t(xi * K + kk)] = float(u[xi]);
      }
    }
    for (int xi = 0; xi < 16; xi++) {
      float* dst = P.weights + xi * M * K + row0 * K + (mo - row0);
      const float* from = channel.data() + xi * K;
      for (int64_t kk = 0; kk < K; kk++) dst[kk * rows] = from[kk];
    }
  }
}

void packWinogradWeights(Prepared& P, const float* weight) {
  if (P.wino.form == kWinogradF3x2Split) packWeightsOf<2>(P, weight);
  else packWeightsOf<3>(P, weight);
}

int64_t winogradScratchFloats(const Prepared& P) {
  const int64_t mPad = (P.plan.M + P.mr - 1) / P.mr * P.mr;
  return 16 * (xiStride(P.wino.panels * P.nr * P.wino.K) + xiStride(P.wino.panels * P.nr * mPad));
}

void runWinogradTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y) {
  const NativePlan& p = P.plan;
  const WinogradLayout& L = P.wino;
  const int nr = P.nr;
  const int64_t K = L.K, mPad = (p.M + P.mr - 1) / P.mr * P.mr, panels = (L.tiles + nr - 1) / nr;
  const int64_t first = task * L.panels, count = std::min(L.panels, panels - first);
  // V[ξ][panel][k][nr], then the GEMM outputs Out[ξ][panel][row][nr].
  const int64_t vStride = xiStride(L.panels * K * nr), outStride = xiStride(L.panels * mPad * nr);
  float* V = w.winograd;
  float* Out = V + 16 * vStride;
  PanelTiles t[8];  // L.panels ≤ 8 (layoutWinograd)
  for (int64_t q = 0; q < count; q++) panelTiles(P, (first + q) * nr, t[q]);
  // Channel by channel over the task's panels: consecutive tiles share input lines.
  for (int64_t ci = 0; ci < p.inChannels; ci++) {
    for (int64_t q = 0; q < count; q++) {
      if (L.form == kWinogradF3x2Split) inputChannel<true>(P, t[q], x, ci, V + q * K * nr, vStride);
      else inputChannel<false>(P, t[q], x, ci, V + q * K * nr, vStride);
    }
  }
  // U_ξ's row block stays in L1 while it meets every panel of the task.
  for (int xi = 0; xi < 16; xi++) {
    const float* U = P.weights + xi * p.M * K;
    for (int64_t row0 = 0; row0 < p.M; row0 += P.mr) {
      const int rows = int(std::min<int64_t>(P.mr, p.M - row0));
      const MicroKernel kernel = P.tile->gemm[rows - 1];
      for (int64_t q = 0; q < count; q++) kernel(K, U + row0 * K, V + xi * vStride + q * K * nr, Out + xi * outStride + (q * mPad + row0) * nr, 0);
    }
  }
  for (int64_t q = 0; q < count; q++) {
    if (L.form == kWinogradF3x2Split) outputPanel<3>(P, t[q], Out + q * mPad * nr, outStride, bias, y);
    else outputPanel<2>(P, t[q], Out + q * mPad * nr, outStride, bias, y);
  }
}

const char* winogradName(int form) {
  return form == kWinogradF2x3 ? "winograd F(2x2,3x3)" : form == kWinogradF3x2Split ? "winograd F(3x3,2x2) split" : "";
}

}  // namespace tconv
