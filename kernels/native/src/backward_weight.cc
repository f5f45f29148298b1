#include "backward_weight.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "backward_gather.h"
#include "threadpool.h"

namespace tconv {
namespace {

// Its own pool: the forward engine's pool and workspaces stay private to schedule.cc; a training step runs its
// forward and backward calls one after another, so the two pools never compete.
ThreadPool& backwardPool() {
  static ThreadPool instance;
  return instance;
}
std::mutex& backwardLock() {
  static std::mutex instance;
  return instance;
}

struct Sizes {
  int64_t inSize, outSize, taps, cin, cout, columns, positions, panels, blocks, mr, nr;
  // Whether the gather reads ∂Y as a zero-bordered box (lo cells before each axis, dim in all): a copy of paddedFloats
  // floats, or ∂Y itself when no tap reaches past its borders (paddedFloats 0).
  bool bordered;
  int64_t paddedFloats, lo[3], dim[3];
  // 1×1 inputs whose taps each land on their own output (no padding, dilation 1, output = kernel: DCGAN's first
  // layer): ∂W = Xᵀ · ∂Y, ∂Y read in place as an N × (Cout·K) matrix, ∂W written in place (outerTask).
  bool outer;
  // The panel's columns gathered as runs of neighbouring taps (gatherSegments), not eight columns at a time.
  bool segmented;
  // A GEMM task's column panels; row blocks per group (whose packed X stays in L2 while it meets them all) and groups;
  // G panels kept per chunk (all the task's when the rows go in several groups, else one at a time).
  int64_t taskPanels, blockRows, rowGroups, gatheredPanels;
};

// Short input rows (dcgan-3's 8, the seeds' 32) leave the gather mostly scalar: every column of an 8-column group
// has its own valid range at the row's ends, and one short row is all there is. A copy of ∂Y with zero borders wide
// enough for every tap's shift makes every row of every column valid, so whole rows go through the 8×8 transposes
// without bounds; the copy is one pass over ∂Y. Long rows (superres' 128) lose little to their ends, and the copy
// would cost them a pass: they keep reading ∂Y in place. 1×1 inputs gather column-wise (see gather()).
constexpr int64_t kPaddedRowsUpTo = 64;

// With dilation 1 along W, a panel's columns are runs of one output channel's neighbouring taps k2 … k2 + L − 1 (L =
// the kernel's width, or less where a panel cuts a run), and input position i2 reads them from L neighbouring values
// of one ∂Y row, i2·s₂ + shift₂ onwards: one short copy per run and position, whatever the stride, instead of one
// value per column (dcgan-2's rows of 4 went value by value) or 8×8 transposes. For kernel widths 4, 8 and 16 (k4 s2:
// DCGAN, super-resolution; HiFi-GAN's k16), whose runs are whole vectors and tile the 16- or 32-column panels; k2's runs
// of 2 and the odd widths (the seeds' k5 and k7 read 1.8–2.1× slower as runs) stay with the transposes.
constexpr bool segmentedWidth(int64_t width) { return width == 4 || width == 8 || width == 16; }

// The eight-column gather needs AVX2, which both SIMD kernel sets imply; nullptr: scalar gather only.
GatherColumns8 gatherOf(const KernelSet* isa) {
  return std::strcmp(isa->name, "avx2") == 0 || std::strcmp(isa->name, "avx512") == 0 ? gatherColumns8Avx2() : nullptr;
}

OuterProduct outerOf(const KernelSet* isa) { return gatherOf(isa) ? outerProductAvx2() : nullptr; }

// What a GEMM task keeps close (gemmTask) in the core's L2: its panels' C tiles and G panels (each under this), a
// block of packed X; and the most columns it takes.
constexpr int64_t kTaskTileBytes = 192 * 1024, kBlockRowBytes = 160 * 1024, kMaxTaskColumns = 512;

Sizes sizesOf(const WeightGradientShape& s, const KernelSet* isa, int threads) {
  Sizes z;
  z.inSize = s.in[0] * s.in[1] * s.in[2];
  z.outSize = s.out[0] * s.out[1] * s.out[2];
  z.taps = s.kernel[0] * s.kernel[1] * s.kernel[2];
  z.cin = s.inChannels / s.groups;
  z.cout = s.outChannels / s.groups;
  z.columns = z.cout * z.taps;
  z.positions = s.batch * z.inSize;
  z.mr = isa->tiles[0].mr;
  z.nr = isa->tiles[0].nr;
  z.panels = (z.columns + z.nr - 1) / z.nr;
  z.blocks = (z.cin + z.mr - 1) / z.mr;
  z.paddedFloats = 0;
  for (int a = 0; a < 3; a++) {
    // Taps shift outputs by k·d − padBegin, k = 0…kernel − 1: input i reads output i·s + shift, from −padBegin
    // (i = 0, k = 0) to (in − 1)·s + (kernel − 1)·d − padBegin.
    const int64_t last = (s.in[a] - 1) * s.stride[a] + (s.kernel[a] - 1) * s.dilation[a] - s.padBegin[a];
    z.lo[a] = std::max<int64_t>(s.padBegin[a], 0);
    z.dim[a] = z.lo[a] + std::max(s.out[a], last + 1);
  }
  z.outer = outerOf(isa) != nullptr;
  for (int a = 0; a < 3; a++) {
    z.outer = z.outer && s.in[a] == 1 && s.padBegin[a] == 0 && s.out[a] == s.kernel[a] && (s.dilation[a] == 1 || s.kernel[a] == 1);
  }
  // No tap reaches past ∂Y's borders (k2 s2 p0, as U-Net's): the bordered copy would be ∂Y itself, so read that, at
  // any row length (no copy to pay).
  const bool inside = z.lo[0] == 0 && z.lo[1] == 0 && z.lo[2] == 0 && z.dim[0] == s.out[0] && z.dim[1] == s.out[1] && z.dim[2] == s.out[2];
  z.bordered = s.in[2] > 1 && (s.in[2] <= kPaddedRowsUpTo || inside) && gatherOf(isa);
  // + 16: the step-2 gather reads the odd neighbour of a row's last value.
  z.paddedFloats = z.bordered && !inside ? s.batch * s.outChannels * z.dim[0] * z.dim[1] * z.dim[2] + 16 : 0;
  z.segmented = s.in[2] > 1 && s.dilation[2] == 1 && segmentedWidth(s.kernel[2]);
  // Row blocks whose packed X (rows × kc) stays in L2 while it meets every panel of a task: all of them, or groups.
  z.blockRows = std::max<int64_t>(1, kBlockRowBytes / (int64_t(sizeof(float)) * z.mr * kWeightGradientChunk));
  z.rowGroups = (z.blocks + z.blockRows - 1) / z.blockRows;
  // Panels per task: their C tiles (Cin/g rounded to mr, × nr) under kTaskTileBytes, and, where the rows go in several
  // groups (each panel's G gathered once per chunk for all of them), their G panels (kc × nr) too; at most
  // kMaxTaskColumns columns, and two tasks per thread where there are several threads and the layer has the panels.
  const int64_t tileBytes = int64_t(sizeof(float)) * z.nr * z.blocks * z.mr, panelBytes = int64_t(sizeof(float)) * z.nr * kWeightGradientChunk;
  int64_t panels = std::min({kTaskTileBytes / tileBytes, kMaxTaskColumns / z.nr, z.panels});
  if (z.rowGroups > 1) panels = std::min(panels, kTaskTileBytes / panelBytes);
  if (threads > 1) panels = std::min(panels, s.groups * z.panels / (2 * int64_t(threads)));
  z.taskPanels = z.outer ? 1 : std::max<int64_t>(1, panels);  // outer layers keep one panel of scratch (outerTask)
  z.gatheredPanels = z.rowGroups > 1 ? z.taskPanels : 1;
  return z;
}

int64_t perThreadFloats(const Sizes& z) { return z.gatheredPanels * kWeightGradientChunk * z.nr + z.taskPanels * z.blocks * z.mr * z.nr; }

struct Call {
  const WeightGradientShape* s;
  const KernelSet* isa;
  Sizes z;
  const float *x, *gy;
  int64_t gyLength;
  GatherColumns8 gather8;  // nullptr: scalar gather only
  PackColumns pack;        // nullptr: X packed value by value
  GemmStore store;         // nullptr: every tile copied into ∂W after its last chunk
  OuterProduct outer;      // Sizes::outer layers
  float *dw, *packedX, *scratch;
  const float* padded;  // ∂Y as a zero-bordered box (Sizes::bordered), or nullptr: the gather checks bounds
  const float* paddedEnd;
  int64_t packTasks, padTasks;
  int threads;
  std::atomic<int64_t> next{0};
};

// Packs X of one (group, row block) and one stretch of positions: A[p·R + r] = X[n, channel r of the block, i].
constexpr int64_t kPackStretch = 4096;
void packTask(Call& c, int64_t task) {
  const Sizes& z = c.z;
  const int64_t stretches = (z.positions + kPackStretch - 1) / kPackStretch;
  const int64_t gb = task / stretches, first = (task % stretches) * kPackStretch;
  const int64_t g = gb / z.blocks, b = gb % z.blocks;
  const int64_t rows = std::min(z.mr, z.cin - b * z.mr);
  float* A = c.packedX + (g * z.cin + b * z.mr) * z.positions;
  const int64_t channel = g * z.cin + b * z.mr;
  const int64_t last = std::min(z.positions, first + kPackStretch);
  for (int64_t p = first; p < last;) {
    const int64_t n = p / z.inSize, i = p % z.inSize;
    const int64_t run = std::min(last - p, z.inSize - i);
    const float* src = c.x + (n * c.s->inChannels + channel) * z.inSize + i;
    float* dst = A + p * rows;
    p += run;
    if (c.pack) {
      c.pack(src, z.inSize, int(rows), run, dst);
      continue;
    }
    for (int64_t r = 0; r < rows; r++) {
      const float* row = src + r * z.inSize;
      for (int64_t j = 0; j < run; j++) dst[j * rows + r] = row[j];
    }
  }
}

// Copies one (n, channel) plane of ∂Y into the zero-bordered copy: output (o0, o1, o2) at (o + lo) of a dim-sized box.
void padTask(Call& c, float* padded, int64_t plane) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const float* from = c.gy + plane * z.outSize;
  float* to = padded + plane * z.dim[0] * z.dim[1] * z.dim[2];
  const int64_t after = z.dim[2] - z.lo[2] - s.out[2];
  for (int64_t p0 = 0; p0 < z.dim[0]; p0++) {
    const int64_t o0 = p0 - z.lo[0];
    for (int64_t p1 = 0; p1 < z.dim[1]; p1++, to += z.dim[2]) {
      const int64_t o1 = p1 - z.lo[1];
      if (o0 < 0 || o0 >= s.out[0] || o1 < 0 || o1 >= s.out[1]) {
        std::fill(to, to + z.dim[2], 0.0f);
        continue;
      }
      const float* row = from + (o0 * s.out[1] + o1) * s.out[2];
      std::fill(to, to + z.lo[2], 0.0f);
      std::copy(row, row + s.out[2], to + z.lo[2]);
      std::fill(to + z.lo[2] + s.out[2], to + z.lo[2] + s.out[2] + after, 0.0f);
    }
  }
}

// Where a column (output channel, tap) reads ∂Y: its channel's offset, its tap's shift per axis, and the input
// columns i whose output i·s + shift lies inside the last axis.
struct Column {
  int64_t channel, shift[3], lo, hi;
};

// A stretch of one input row inside a chunk: positions k … k + length − 1 of the chunk are (n, i0, i1, i2 … ).
struct Stretch {
  int64_t k, n, i0, i1, i2, length;
};

// Eight columns of one stretch into d (d[j·nr + q], q < 8): where all eight rows are valid, eight positions at a time
// (AVX2 loads and an 8×8 transpose); the stretch's ends, and rows outside ∂Y, value by value.
void gatherEight(const Call& c, const Column* cols, const Stretch& st, float* d) {
  const WeightGradientShape& s = *c.s;
  const int64_t nr = c.z.nr, step = s.stride[2];
  const float* rows[8];
  int64_t lo[8], hi[8];
  int64_t from = 0, to = st.length;  // positions valid in all eight columns
  for (int q = 0; q < 8; q++) {
    const Column& col = cols[q];
    const int64_t o0 = st.i0 * s.stride[0] + col.shift[0], o1 = st.i1 * s.stride[1] + col.shift[1];
    if (o0 < 0 || o0 >= s.out[0] || o1 < 0 || o1 >= s.out[1]) {
      rows[q] = nullptr;
      lo[q] = hi[q] = 0;
    } else {
      rows[q] = c.gy + (st.n * s.outChannels + col.channel) * c.z.outSize + (o0 * s.out[1] + o1) * s.out[2] + st.i2 * step + col.shift[2];
      lo[q] = std::min(std::max(col.lo - st.i2, int64_t(0)), st.length);
      hi[q] = std::max(std::min(col.hi - st.i2, st.length), lo[q]);
    }
    from = std::max(from, lo[q]);
    to = std::min(to, hi[q]);
  }
  int64_t n = to > from ? (to - from) / 8 * 8 : 0;
  // Step 2 also reads the odd neighbour of the last value: keep it inside ∂Y.
  while (n > 0 && step == 2) {
    bool inside = true;
    for (int q = 0; q < 8; q++) inside = inside && (rows[q] + (from + n) * 2 - 1) < c.gy + c.gyLength;
    if (inside) break;
    n -= 8;
  }
  if (n > 0) {
    const float* starts[8];
    for (int q = 0; q < 8; q++) starts[q] = rows[q] + from * step;
    c.gather8(starts, step, n, d + from * nr, nr);
  }
  for (int q = 0; q < 8; q++) {
    for (int64_t j = 0; j < st.length; j++) {
      if (j == from && n > 0) j += n;
      if (j >= st.length) break;
      d[j * nr + q] = (rows[q] && j >= lo[q] && j < hi[q]) ? rows[q][j * step] : 0.0f;
    }
  }
}

// Where column q reads the stretch's first position in the zero-bordered copy (valid over the whole stretch).
const float* paddedRow(const Call& c, const Column& q, const Stretch& st) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t p0 = st.i0 * s.stride[0] + q.shift[0] + z.lo[0], p1 = st.i1 * s.stride[1] + q.shift[1] + z.lo[1];
  const int64_t p2 = st.i2 * s.stride[2] + q.shift[2] + z.lo[2];
  return c.padded + (((st.n * s.outChannels + q.channel) * z.dim[0] + p0) * z.dim[1] + p1) * z.dim[2] + p2;
}

// The gather from the zero-bordered copy: every column's row is valid over the whole stretch, so no bounds.
void gatherPadded(const Call& c, const Column* cols, int real, const Stretch* stretches, int count, float* B) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t nr = z.nr, step = s.stride[2];
  const auto rowOf = [&](const Column& q, const Stretch& st) { return paddedRow(c, q, st); };
  int first = 0;  // columns before it were gathered eight at a time
  if (c.gather8 && (step == 1 || step == 2)) {
    first = real / 8 * 8;
    for (int c8 = 0; c8 < first; c8 += 8) {
      for (int t = 0; t < count; t++) {
        const Stretch& st = stretches[t];
        const float* rows[8];
        for (int q = 0; q < 8; q++) rows[q] = rowOf(cols[c8 + q], st);
        float* d = B + st.k * nr + c8;
        int64_t n = st.length / 8 * 8;
        // Step 2 also reads the odd neighbour of the last value: past the end of ∂Y read in place, leave it to the loop.
        while (n > 0 && step == 2) {
          bool inside = true;
          for (int q = 0; q < 8; q++) inside = inside && rows[q] + 2 * n - 1 < c.paddedEnd;
          if (inside) break;
          n -= 8;
        }
        if (n > 0) c.gather8(rows, step, n, d, nr);
        for (int64_t j = n; j < st.length; j++) {
          for (int q = 0; q < 8; q++) d[j * nr + q] = rows[q][j * step];
        }
      }
    }
  }
  for (int col = first; col < real; col++) {
    for (int t = 0; t < count; t++) {
      const Stretch& st = stretches[t];
      const float* row = rowOf(cols[col], st);
      float* d = B + st.k * nr + col;
      for (int64_t j = 0; j < st.length; j++) d[j * nr] = row[j * step];
    }
  }
}

// A run of a panel's columns that read neighbouring values of one ∂Y row (segmentedWidth): columns col … col +
// length − 1, one output channel's taps k2 … k2 + length − 1 at one (k0, k1).
struct Segment {
  int col, length;
};

int segmentsOf(const Column* cols, int real, Segment* out) {
  int count = 0;
  for (int col = 0; col < real; col++) {
    const Column &q = cols[col], &p = cols[col > 0 ? col - 1 : 0];
    if (col > 0 && p.channel == q.channel && p.shift[0] == q.shift[0] && p.shift[1] == q.shift[1] && q.shift[2] == p.shift[2] + 1) {
      out[count - 1].length++;
    } else {
      out[count++] = {col, 1};
    }
  }
  return count;
}

// d[j·nr + l] = src[j·step + l] for j < n, l < L: L a constant, so each copy is one or two vector moves.
template <int L>
void copyRuns(const float* __restrict src, int64_t step, int64_t n, float* __restrict d, int64_t nr) {
  for (int64_t j = 0; j < n; j++, src += step, d += nr) {
    float v[L];
    std::memcpy(v, src, sizeof v);
    std::memcpy(d, v, sizeof v);
  }
}

void copyRuns(int length, const float* src, int64_t step, int64_t n, float* d, int64_t nr) {
  switch (length) {
    case 4: return copyRuns<4>(src, step, n, d, nr);
    case 8: return copyRuns<8>(src, step, n, d, nr);
    case 16: return copyRuns<16>(src, step, n, d, nr);
    default:
      for (int64_t j = 0; j < n; j++) {
        for (int l = 0; l < length; l++) d[j * nr + l] = src[j * step + l];
      }
  }
}

// The gather by runs of neighbouring taps: per stretch and run, one short copy per position — from the bordered copy
// without bounds, or from ∂Y in place, where the positions whose run crosses a row end go value by value.
void gatherSegments(const Call& c, const Column* cols, const Segment* segments, int segmentCount, const Stretch* stretches, int count,
                    float* B) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t nr = z.nr, step = s.stride[2];
  for (int t = 0; t < count; t++) {
    const Stretch& st = stretches[t];
    for (int g = 0; g < segmentCount; g++) {
      const Segment& seg = segments[g];
      const Column& q = cols[seg.col];
      float* d = B + st.k * nr + seg.col;
      if (c.padded) {
        copyRuns(seg.length, paddedRow(c, q, st), step, st.length, d, nr);
        continue;
      }
      const int64_t o0 = st.i0 * s.stride[0] + q.shift[0], o1 = st.i1 * s.stride[1] + q.shift[1];
      if (o0 < 0 || o0 >= s.out[0] || o1 < 0 || o1 >= s.out[1]) {
        for (int64_t j = 0; j < st.length; j++) {
          for (int l = 0; l < seg.length; l++) d[j * nr + l] = 0.0f;
        }
        continue;
      }
      const float* row = c.gy + (st.n * s.outChannels + q.channel) * z.outSize + (o0 * s.out[1] + o1) * s.out[2];
      // Position j reads row[first + j·step + l], l < length: whole inside the row for lo ≤ j < hi.
      const int64_t first = st.i2 * step + q.shift[2], room = s.out[2] - seg.length - first;
      const int64_t lo = std::min(first >= 0 ? 0 : (-first + step - 1) / step, st.length);
      const int64_t hi = std::max(room < 0 ? 0 : std::min(room / step + 1, st.length), lo);
      for (int64_t j = 0; j < st.length; j++) {
        if (j == lo) j = hi;
        if (j >= st.length) break;
        for (int l = 0; l < seg.length; l++) {
          const int64_t o2 = first + j * step + l;
          d[j * nr + l] = o2 >= 0 && o2 < s.out[2] ? row[o2] : 0.0f;
        }
      }
      if (hi > lo) copyRuns(seg.length, row + first + lo * step, step, hi - lo, d + lo * nr, nr);
    }
  }
}

// Gathers G[k·nr + c] for the chunk's positions into B (columns past `real` are zero).
void gather(const Call& c, const Column* cols, int real, const Segment* segments, int segmentCount, const Stretch* stretches, int count,
            int64_t length, float* B) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t nr = z.nr;
  for (int col = real; col < nr; col++) {
    for (int64_t k = 0; k < length; k++) B[k * nr + col] = 0.0f;
  }
  if (z.segmented) {
    gatherSegments(c, cols, segments, segmentCount, stretches, count, B);
    return;
  }
  if (c.padded) {
    gatherPadded(c, cols, real, stretches, count, B);
    return;
  }
  if (s.in[2] == 1) {
    // Rows of one position (1×1 inputs, as DCGAN's first layer): a column's values are single, scattered loads, but
    // the panel's columns (one output channel's consecutive taps) sit side by side in ∂Y — so walk columns innermost.
    for (int t = 0; t < count; t++) {
      const Stretch& st = stretches[t];
      float* d = B + st.k * nr;
      for (int col = 0; col < real; col++) {
        const Column& q = cols[col];
        const int64_t o0 = st.i0 * s.stride[0] + q.shift[0], o1 = st.i1 * s.stride[1] + q.shift[1], o2 = q.shift[2];
        const bool inside = o0 >= 0 && o0 < s.out[0] && o1 >= 0 && o1 < s.out[1] && o2 >= 0 && o2 < s.out[2];
        d[col] = inside ? c.gy[(st.n * s.outChannels + q.channel) * z.outSize + (o0 * s.out[1] + o1) * s.out[2] + o2] : 0.0f;
      }
    }
    return;
  }
  int first = 0;  // columns before it were gathered eight at a time
  if (c.gather8 && (s.stride[2] == 1 || s.stride[2] == 2)) {
    first = real / 8 * 8;
    for (int c8 = 0; c8 < first; c8 += 8) {
      for (int t = 0; t < count; t++) gatherEight(c, cols + c8, stretches[t], B + stretches[t].k * nr + c8);
    }
  }
  for (int col = first; col < real; col++) {
    const Column& q = cols[col];
    for (int t = 0; t < count; t++) {
      const Stretch& st = stretches[t];
      float* d = B + st.k * nr + col;
      const int64_t o0 = st.i0 * s.stride[0] + q.shift[0], o1 = st.i1 * s.stride[1] + q.shift[1];
      const int64_t lo = std::min(std::max(q.lo - st.i2, int64_t(0)), st.length);
      const int64_t hi = std::max(std::min(q.hi - st.i2, st.length), lo);
      if (o0 < 0 || o0 >= s.out[0] || o1 < 0 || o1 >= s.out[1]) {
        for (int64_t j = 0; j < st.length; j++) d[j * nr] = 0.0f;
        continue;
      }
      // Output of input column i2 + j: (i2 + j)·s₂ + shift₂.
      const float* row = c.gy + (st.n * s.outChannels + q.channel) * z.outSize + (o0 * s.out[1] + o1) * s.out[2] +
                         st.i2 * s.stride[2] + q.shift[2];
      const int64_t step = s.stride[2];
      for (int64_t j = 0; j < lo; j++) d[j * nr] = 0.0f;
      for (int64_t j = lo; j < hi; j++) d[j * nr] = row[j * step];
      for (int64_t j = hi; j < st.length; j++) d[j * nr] = 0.0f;
    }
  }
}

// The panel's stretch of `rows` rows of ∂W, fetched for writing while the row block's last multiply runs: ∂W's rows
// lie Cout·K floats apart (dcgan-2: 16 KiB), so each row's tile store went to a line not in cache.
inline void prefetchRows(const float* row, int64_t rows, int64_t stride, int real) {
  for (int64_t r = 0; r < rows; r++, row += stride) {
    __builtin_prefetch(row, 1, 3);
    __builtin_prefetch(row + real - 1, 1, 3);
  }
}

// One (group, block of z.taskPanels column panels): C[Cin/g × nr] per panel = Σ over position chunks of A · G, stored
// into ∂W. Per chunk the rows go by groups of z.blockRows blocks whose packed X (rows × chunk) stays in L2 while it
// meets every panel of the task: packed X of dcgan-2 (512 KiB) and of super-resolution (4 MiB) were streamed from L3
// once per panel, and evicted ∂W's lines fetched for the tile stores on the way. Each panel's G is gathered once per
// chunk. Every ∂W value still sums the chunks in order, each by the same micro-kernel call: the bits do not depend on
// the blocking or on the threads.
void gemmTask(Call& c, int64_t task, float* scratch) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t tasksPerGroup = (z.panels + z.taskPanels - 1) / z.taskPanels;
  const int64_t g = task / tasksPerGroup, c0 = (task % tasksPerGroup) * z.taskPanels * z.nr;
  const int total = int(std::min(z.taskPanels * z.nr, z.columns - c0));  // the task's columns (≤ kMaxTaskColumns)
  const int count = int((total + z.nr - 1) / z.nr);
  Column cols[kMaxTaskColumns];
  for (int col = 0; col < total; col++) {
    const int64_t column = c0 + col, co = column / z.taps, tap = column % z.taps;
    const int64_t k[3] = {tap / (s.kernel[1] * s.kernel[2]), (tap / s.kernel[2]) % s.kernel[1], tap % s.kernel[2]};
    Column& q = cols[col];
    q.channel = g * z.cout + co;
    for (int a = 0; a < 3; a++) q.shift[a] = k[a] * s.dilation[a] - s.padBegin[a];
    // i·s + shift ∈ [0, out): i ≥ ⌈−shift/s⌉, i ≤ ⌊(out − 1 − shift)/s⌋.
    const int64_t st = s.stride[2], sh = q.shift[2];
    q.lo = sh >= 0 ? 0 : (-sh + st - 1) / st;
    q.hi = s.out[2] - 1 - sh < 0 ? 0 : (s.out[2] - 1 - sh) / st + 1;
    q.hi = std::min(q.hi, s.in[2]);
  }
  // Panel j: columns j·nr … j·nr + real(j) − 1 of the task, its runs segments[first[j]] … segments[first[j + 1]] − 1.
  const auto real = [&](int j) { return int(std::min<int64_t>(z.nr, total - j * z.nr)); };
  Segment segments[kMaxTaskColumns];
  int first[kMaxTaskColumns + 1] = {0};
  for (int j = 0; j < count; j++) {
    first[j + 1] = first[j] + (z.segmented ? segmentsOf(cols + j * z.nr, real(j), segments + first[j]) : 0);
  }
  const int64_t cRows = z.blocks * z.mr, bFloats = kWeightGradientChunk * z.nr;
  float* C = scratch + z.gatheredPanels * bFloats;  // count panels of cRows × nr
  const GemmTile& kernel = c.isa->tiles[0];
  Stretch stretches[kWeightGradientChunk + 1];
  for (int64_t p0 = 0; p0 < z.positions; p0 += kWeightGradientChunk) {
    const int64_t length = std::min(kWeightGradientChunk, z.positions - p0);
    int stretchCount = 0;
    for (int64_t p = p0; p < p0 + length;) {
      const int64_t n = p / z.inSize, i = p % z.inSize;
      const int64_t i2 = i % s.in[2], i1 = (i / s.in[2]) % s.in[1], i0 = i / (s.in[2] * s.in[1]);
      const int64_t run = std::min(p0 + length - p, s.in[2] - i2);
      stretches[stretchCount++] = {p - p0, n, i0, i1, i2, run};
      p += run;
    }
    const bool last = p0 + length == z.positions;
    for (int64_t b0 = 0; b0 < z.blocks; b0 += z.blockRows) {
      const int64_t b1 = std::min(z.blocks, b0 + z.blockRows);
      for (int j = 0; j < count; j++) {
        float* B = scratch + (z.gatheredPanels > 1 ? j : 0) * bFloats;
        if (b0 == 0) gather(c, cols + j * z.nr, real(j), segments + first[j], first[j + 1] - first[j], stretches, stretchCount, length, B);
        float* Cj = C + j * cRows * z.nr;
        float* dw = c.dw + g * z.cin * z.columns + c0 + j * z.nr;
        // The last chunk of a whole panel: the tiles' final stores go straight to ∂W (GemmStore).
        const bool store = last && c.store && real(j) == kGemmStoreColumns;
        for (int64_t b = b0; b < b1; b++) {
          const int64_t rows = std::min(z.mr, z.cin - b * z.mr);
          const float* A = c.packedX + (g * z.cin + b * z.mr) * z.positions + p0 * rows;
          float* tile = Cj + b * z.mr * z.nr;
          if (store) {
            c.store(length, int(rows), A, B, p0 > 0 ? tile : nullptr, dw + b * z.mr * z.columns, z.columns);
            continue;
          }
          if (last) prefetchRows(dw + b * z.mr * z.columns, rows, z.columns, real(j));
          kernel.gemm[rows - 1](length, A, B, tile, p0 > 0);
        }
        if (!last || store) continue;
        // Row ci of block ci / mr sits at (ci / mr)·mr·nr + (ci % mr)·nr = ci·nr. A plain loop, not memcpy: with few
        // positions (dcgan-1: 16) the per-row library calls cost as much as the multiply.
        const int columns = real(j);
        for (int64_t ci = b0 * z.mr; ci < std::min(z.cin, b1 * z.mr); ci++) {
          const float* __restrict from = Cj + ci * z.nr;
          float* __restrict to = dw + ci * z.columns;
          for (int col = 0; col < columns; col++) to[col] = from[col];
        }
      }
    }
  }
}

// One (group, 16 columns) of a 1×1-input layer (Sizes::outer): for every row block of packed X, 16 columns of ∂W
// straight from ∂Y's rows (one per batch element) into ∂W's rows, no gather and no tile copy. (Row blocks outside
// and columns inside, writing each row of ∂W front to back, measured the same on DCGAN's first layer and gives two
// threads only ⌈Cin/mr⌉ tasks.)
void outerTask(Call& c, int64_t task, float* scratch) {
  const WeightGradientShape& s = *c.s;
  const Sizes& z = c.z;
  const int64_t panels = (z.columns + kOuterColumns - 1) / kOuterColumns;
  const int64_t g = task / panels, c0 = (task % panels) * kOuterColumns;
  const int cols = int(std::min<int64_t>(kOuterColumns, z.columns - c0));
  // Column co·K + tap of group g is ∂Y[n, g·cout + co, tap]: output = kernel, each tap on its own output.
  const float* B = c.gy + g * z.columns + c0;
  int64_t ldb = s.outChannels * z.outSize;
  // ∂Y's rows lie Cout·K floats apart (DCGAN: 32 KiB), so the panel's rows all map to one set of the L1 cache and
  // evict one another between row blocks: copied side by side (16 × N floats), they stay for every block.
  if (z.positions <= kWeightGradientChunk && z.nr >= kOuterColumns) {  // fits the thread's G panel
    for (int64_t n = 0; n < z.positions; n++) {
      for (int j = 0; j < cols; j++) scratch[n * kOuterColumns + j] = B[n * ldb + j];
    }
    B = scratch;
    ldb = kOuterColumns;
  }
  for (int64_t b = 0; b < z.blocks; b++) {
    const int64_t rows = std::min(z.mr, z.cin - b * z.mr);
    const float* A = c.packedX + (g * z.cin + b * z.mr) * z.positions;
    for (int64_t r0 = 0; r0 < rows; r0 += kOuterRows) {
      const int r = int(std::min<int64_t>(kOuterRows, rows - r0));
      c.outer(z.positions, r, A + r0, rows, B, ldb, cols, c.dw + (g * z.cin + b * z.mr + r0) * z.columns + c0, z.columns);
    }
  }
}

void outerWorker(void* context, int index) {
  Call& c = *static_cast<Call*>(context);
  float* scratch = c.scratch + int64_t(index) * perThreadFloats(c.z);
  const int64_t tasks = c.s->groups * ((c.z.columns + kOuterColumns - 1) / kOuterColumns);
  for (int64_t t; (t = c.next.fetch_add(1)) < tasks;) outerTask(c, t, scratch);
}

void worker(void* context, int index) {
  Call& c = *static_cast<Call*>(context);
  float* scratch = c.scratch + int64_t(index) * perThreadFloats(c.z);
  const int64_t tasks = c.s->groups * ((c.z.panels + c.z.taskPanels - 1) / c.z.taskPanels);
  for (int64_t t; (t = c.next.fetch_add(1)) < tasks;) gemmTask(c, t, scratch);
}

// Packing X and copying ∂Y into its bordered copy: one list of tasks, X's first.
void packWorker(void* context, int) {
  Call& c = *static_cast<Call*>(context);
  for (int64_t t; (t = c.next.fetch_add(1)) < c.packTasks + c.padTasks;) {
    if (t < c.packTasks) packTask(c, t);
    else padTask(c, c.scratch + int64_t(c.threads) * perThreadFloats(c.z), t - c.packTasks);
  }
}

}  // namespace

int64_t weightGradientWorkspaceFloats(const WeightGradientShape& s, const KernelSet* isa, int threads) {
  const Sizes z = sizesOf(s, isa, threads);
  return s.inChannels * z.positions + int64_t(threads) * perThreadFloats(z) + z.paddedFloats + 48;
}

void weightGradient(const WeightGradientShape& s, const KernelSet* isa, const float* x, const float* gy, float* dw, float* workspace,
                    int threads) {
  const Sizes z = sizesOf(s, isa, threads);
  if (z.positions == 0 || z.columns == 0) {
    std::fill(dw, dw + s.inChannels * z.columns, 0.0f);
    return;
  }
  std::lock_guard<std::mutex> lock(backwardLock());
  // The tiles and G panels are read with aligned vector loads: start the workspace at a 64-byte boundary.
  const uintptr_t address = reinterpret_cast<uintptr_t>(workspace);
  float* aligned = workspace + ((64 - address % 64) % 64) / sizeof(float);
  Call c;
  c.s = &s;
  c.isa = isa;
  c.z = z;
  c.x = x;
  c.gy = gy;
  c.gyLength = s.batch * s.outChannels * z.outSize;
  c.gather8 = gatherOf(isa);
  c.pack = c.gather8 && z.mr <= kPackColumnsRows ? packColumnsAvx2() : nullptr;
  // Its sums are f32_gemm_6x16__avx2's: only where that is the tile (the avx2 set).
  const GemmTile& tile = isa->tiles[0];
  c.store = c.gather8 && tile.mr == kGemmStoreRows && tile.nr == kGemmStoreColumns && std::strcmp(tile.name, "f32_gemm_6x16__avx2") == 0 ? gemmStoreAvx2() : nullptr;
  c.outer = outerOf(isa);
  c.dw = dw;
  // Packed X first; the scratch after it must stay 64-byte aligned, so its length is rounded up to 16 floats.
  c.packedX = aligned;
  c.scratch = aligned + (s.inChannels * z.positions + 15) / 16 * 16;
  // The bordered copy of ∂Y after the threads' scratch (its rows are read unaligned: no rounding needed).
  c.threads = threads;
  float* copy = c.scratch + int64_t(threads) * perThreadFloats(z);
  c.padded = !z.bordered ? nullptr : z.paddedFloats > 0 ? copy : gy;
  c.paddedEnd = z.paddedFloats > 0 ? copy + z.paddedFloats : gy + c.gyLength;
  c.packTasks = s.groups * z.blocks * ((z.positions + kPackStretch - 1) / kPackStretch);
  c.padTasks = z.paddedFloats > 0 ? s.batch * s.outChannels : 0;
  if (c.padTasks > 0) std::fill(copy + z.paddedFloats - 16, copy + z.paddedFloats, 0.0f);
  const int packThreads = int(std::min<int64_t>(threads, c.packTasks + c.padTasks));
  backwardPool().run(packThreads, packWorker, &c);
  c.next.store(0);
  if (z.outer) {
    const int64_t tasks = s.groups * ((z.columns + kOuterColumns - 1) / kOuterColumns);
    backwardPool().run(int(std::min<int64_t>(threads, tasks)), outerWorker, &c);
    return;
  }
  const int64_t tasks = s.groups * ((z.panels + z.taskPanels - 1) / z.taskPanels);
  backwardPool().run(int(std::min<int64_t>(threads, tasks)), worker, &c);
}

}  // namespace tconv
