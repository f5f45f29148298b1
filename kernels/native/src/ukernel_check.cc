#include "ukernel_check.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tconv {
namespace {

// 64-byte aligned floats (C tiles and B panels are aligned in the engine too), freed on scope exit.
struct Floats {
  float* data;
  size_t size;
  explicit Floats(size_t n) : data(static_cast<float*>(std::aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64 + 64))), size(n) {
    for (size_t i = 0; i < n; i++) data[i] = 0.0f;
  }
  ~Floats() { std::free(data); }
  Floats(const Floats&) = delete;
  Floats& operator=(const Floats&) = delete;
  float& operator[](size_t i) { return data[i]; }
};

// xorshift32: the test reports its seed, so a failure can be replayed.
struct Random {
  uint32_t state;
  uint32_t next() {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  }
  float value() { return float(int(next() % 2001) - 1000) / 997.0f; }  // also exercises rounding, never 0 sums only
  int below(int n) { return int(next() % uint32_t(n)); }
};

bool sameBits(const float* a, const float* b, size_t n, size_t& at) {
  for (size_t i = 0; i < n; i++) {
    if (std::memcmp(a + i, b + i, sizeof(float)) != 0) {
      at = i;
      return false;
    }
  }
  return true;
}

void record(KernelCheck& check, bool ok, const std::string& what) {
  check.cases++;
  if (ok) return;
  if (check.failures++ == 0) check.firstFailure = what;
}

// C[rows × nr] (+)= Σ_k A[k][m] · B[k][n] in k order, one rounding per step (fused) or two (unfused): the SIMD
// sets use FMA instructions, the portable set whatever the baseline ISA has.
void gemmReference(int rows, int nr, int64_t kc, const float* A, const float* B, float* C, bool accumulate, bool fused) {
  for (int m = 0; m < rows; m++) {
    for (int n = 0; n < nr; n++) {
      float acc = accumulate ? C[m * nr + n] : 0.0f;
      for (int64_t k = 0; k < kc; k++) {
        const float a = A[k * rows + m], b = B[k * nr + n];
        acc = fused ? std::fma(a, b, acc) : acc + a * b;
      }
      C[m * nr + n] = acc;
    }
  }
}

void checkGemm(const GemmTile& tile, const char* set, Random& random, std::vector<KernelCheck>& out) {
  for (int rows = 1; rows <= tile.mr; rows++) {
    KernelCheck check{tile.name, tile.mr, tile.nr, rows, 0, 0, std::string()};
    for (const int64_t kc : {1, 2, 3, 17, 64}) {
      for (const int accumulate : {0, 1}) {
        Floats A(size_t(kc * rows)), B(size_t(kc * tile.nr)), C(size_t(rows * tile.nr)), fused(C.size), plain(C.size);
        for (size_t i = 0; i < A.size; i++) A[i] = random.value();
        // The last panel of a layer has zero columns past its end (NR remainder): zero a random tail.
        const int tail = random.below(tile.nr);
        for (int64_t k = 0; k < kc; k++) {
          for (int n = 0; n < tile.nr; n++) B[size_t(k * tile.nr + n)] = n >= tile.nr - tail ? 0.0f : random.value();
        }
        for (size_t i = 0; i < C.size; i++) C[i] = fused[i] = plain[i] = random.value();
        gemmReference(rows, tile.nr, kc, A.data, B.data, fused.data, accumulate, true);
        gemmReference(rows, tile.nr, kc, A.data, B.data, plain.data, accumulate, false);
        tile.gemm[rows - 1](kc, A.data, B.data, C.data, accumulate);
        size_t at = 0, at2 = 0;
        const bool ok = sameBits(C.data, fused.data, C.size, at) || sameBits(C.data, plain.data, C.size, at2);
        record(check, ok, std::string(set) + " kc " + std::to_string(kc) + (accumulate ? " accumulate" : "") + ": C[" + std::to_string(at / size_t(tile.nr)) +
                               "][" + std::to_string(at % size_t(tile.nr)) + "] = " + std::to_string(C[at]) + ", expected " + std::to_string(fused[at]));
      }
    }
    out.push_back(check);
  }
}

void checkDirect(const GemmTile& tile, int width, Random& random, std::vector<KernelCheck>& out) {
  const int vectors = tile.nr / width;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int rows = 1; rows <= tile.mr; rows++) {
    KernelCheck check{tile.directName, tile.mr, tile.nr, rows, 0, 0, std::string()};
    for (const int taps : {1, 3}) {
      for (const int64_t cinG : {1, 5}) {
        for (const int accumulate : {0, 1}) {
          // Every (tap, vector, channel) reads its own block of `width` floats, so lanes outside a mask can hold NaN.
          const int64_t channelStride = int64_t(taps) * vectors * width + 3;
          Floats x(size_t(cinG * channelStride)), A(size_t(taps * cinG * rows)), C(size_t(rows * tile.nr)), expected(C.size);
          std::vector<int32_t> tap(static_cast<size_t>(taps));
          std::vector<int64_t> offset(static_cast<size_t>(taps * vectors));
          std::vector<uint16_t> mask(static_cast<size_t>(taps * vectors));
          for (size_t i = 0; i < A.size; i++) A[i] = random.value();
          for (int t = 0; t < taps; t++) {
            tap[size_t(t)] = taps - 1 - t;  // taps need not be in weight order
            for (int v = 0; v < vectors; v++) {
              const size_t at = size_t(t * vectors + v);
              offset[at] = int64_t(at) * width;
              // Full, empty, or a random stretch [lo, hi) (borders of the input row, and short rows). The first of
              // three taps is full in every vector: the path a kernel may take when no lane is masked.
              const int kind = taps == 3 && t == 0 ? 0 : random.below(4);
              const int lo = kind == 0 ? 0 : random.below(width), hi = kind == 0 ? width : lo + random.below(width - lo + 1);
              mask[at] = kind == 1 ? 0 : uint16_t(((1u << hi) - 1) & ~((1u << lo) - 1));
              for (int64_t ci = 0; ci < cinG; ci++) {
                for (int l = 0; l < width; l++) x[size_t(ci * channelStride + offset[at] + l)] = (mask[at] >> l) & 1 ? random.value() : nan;
              }
            }
          }
          for (size_t i = 0; i < C.size; i++) C[i] = expected[i] = random.value();
          for (int m = 0; m < rows; m++) {
            for (int v = 0; v < vectors; v++) {
              for (int l = 0; l < width; l++) {
                float acc = accumulate ? expected[size_t(m * tile.nr + v * width + l)] : 0.0f;
                for (int t = 0; t < taps; t++) {
                  const size_t at = size_t(t * vectors + v);
                  for (int64_t ci = 0; ci < cinG; ci++) {
                    const float value = (mask[at] >> l) & 1 ? x[size_t(ci * channelStride + offset[at] + l)] : 0.0f;
                    acc = std::fma(A[size_t((tap[size_t(t)] * cinG + ci) * rows + m)], value, acc);
                  }
                }
                expected[size_t(m * tile.nr + v * width + l)] = acc;
              }
            }
          }
          tile.direct[rows - 1](taps, tap.data(), offset.data(), mask.data(), cinG, channelStride, x.data, A.data, C.data, accumulate);
          size_t at = 0;
          const bool ok = sameBits(C.data, expected.data, C.size, at);
          record(check, ok, "taps " + std::to_string(taps) + ", cinG " + std::to_string(cinG) + (accumulate ? " accumulate" : "") + ": C[" +
                                std::to_string(at / size_t(tile.nr)) + "][" + std::to_string(at % size_t(tile.nr)) + "] = " + std::to_string(C[at]) +
                                ", expected " + std::to_string(expected[at]));
        }
      }
    }
    out.push_back(check);
  }
}

// The set's packer against the portable one: contiguous, strided and zero runs, runs with holes, all lengths.
void checkPack(const KernelSet& isa, Random& random, std::vector<KernelCheck>& out) {
  KernelCheck check{std::string("f32_pack__") + isa.name, 0, 0, 0, 0, 0, std::string()};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (int round = 0; round < 200; round++) {
    const int nr = 128, rows = 1 + random.below(5);
    const int64_t srcStride = 300;
    Floats src(size_t(rows * srcStride + 400)), dst(size_t(rows * nr)), expected(dst.size);
    for (size_t i = 0; i < src.size; i++) src[i] = random.value();
    std::vector<Run> runs;
    for (int col = 0; col < nr;) {
      const int length = 1 + random.below(nr - col < 70 ? nr - col : 70);
      const int kind = random.below(4);
      Run run{col, length, -1, 0, 0};
      if (kind == 1) run = Run{col, length, random.below(100), 1 + random.below(3), 0};  // strided
      if (kind == 2) run = Run{col, length, random.below(100), 1, 0};                    // contiguous
      if (kind == 3 && length <= 64) {
        // Holes: masked lanes, never read (NaN in the source where a hole lies).
        run = Run{col, length, 64 + random.below(36), 1, uint64_t(random.next()) | uint64_t(random.next()) << 32};
        if (length < 64) run.holes &= (uint64_t(1) << length) - 1;
      }
      runs.push_back(run);
      col += length;
    }
    for (const Run& run : runs) {
      if (!run.holes) continue;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < run.length; c++) {
          if ((run.holes >> c) & 1) src[size_t(r * srcStride + run.source + c)] = nan;
        }
      }
    }
    for (size_t i = 0; i < dst.size; i++) dst[i] = expected[i] = -7.0f;
    packRowsPortable(expected.data, nr, src.data, srcStride, rows, runs.data(), int(runs.size()));
    isa.pack(dst.data, nr, src.data, srcStride, rows, runs.data(), int(runs.size()));
    size_t at = 0;
    record(check, sameBits(dst.data, expected.data, dst.size, at), "round " + std::to_string(round) + ": dst[" + std::to_string(at) + "]");
  }
  out.push_back(check);
}

// The set's store against the portable one, for every step the engine uses (1, the permuted 2/4/8/16, and others).
void checkStore(const KernelSet& isa, Random& random, std::vector<KernelCheck>& out) {
  KernelCheck check{std::string("f32_store__") + isa.name, 0, 0, 0, 0, 0, std::string()};
  for (const int64_t step : {1, 2, 3, 4, 8, 16}) {
    for (const int n : {1, 5, 8, 16, 17, 33, 64}) {
      for (const bool withBias : {false, true}) {
        const int rows = 3, cRowStride = 64;
        const int64_t outRowStride = n * step + 5;
        Floats c(static_cast<size_t>(rows * cRowStride)), bias(static_cast<size_t>(rows)), got(static_cast<size_t>(rows * outRowStride)), expected(got.size);
        for (size_t i = 0; i < c.size; i++) c[i] = random.value();
        for (size_t i = 0; i < bias.size; i++) bias[i] = random.value();
        for (size_t i = 0; i < got.size; i++) got[i] = expected[i] = -7.0f;  // untouched outputs must stay so
        storeRowsPortable(expected.data, outRowStride, c.data, cRowStride, rows, n, step, withBias ? bias.data : nullptr);
        isa.store(got.data, outRowStride, c.data, cRowStride, rows, n, step, withBias ? bias.data : nullptr);
        size_t at = 0;
        record(check, sameBits(got.data, expected.data, got.size, at),
               "step " + std::to_string(step) + ", n " + std::to_string(n) + (withBias ? ", bias" : "") + ": out[" + std::to_string(at) + "]");
      }
    }
  }
  out.push_back(check);
}

// One depthwise output row: fused taps in order over the lanes lo ≤ j < hi, then the bias.
void checkDepthwise(const KernelSet& isa, Random& random, std::vector<KernelCheck>& out) {
  KernelCheck check{std::string("f32_dwconv_row__") + isa.name, 0, 0, 0, 0, 0, std::string()};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const int length : {1, 7, 16, 23, 40}) {
    for (const int64_t outStep : {1, 2, 3}) {
      const int taps = 1 + random.below(5), pad = 20;
      Floats rowData(static_cast<size_t>(taps * (length + 2 * pad))), weight(static_cast<size_t>(taps)), got(static_cast<size_t>(length * outStep + 1)), expected(got.size);
      std::vector<const float*> row(static_cast<size_t>(taps));
      std::vector<int32_t> lo(static_cast<size_t>(taps)), hi(static_cast<size_t>(taps));
      for (int t = 0; t < taps; t++) {
        weight[size_t(t)] = random.value();
        lo[size_t(t)] = random.below(length);
        hi[size_t(t)] = lo[size_t(t)] + random.below(length - lo[size_t(t)] + 1);
        float* base = rowData.data + t * (length + 2 * pad) + pad;
        for (int j = -pad; j < length + pad; j++) base[j] = j >= lo[size_t(t)] && j < hi[size_t(t)] ? random.value() : nan;
        row[size_t(t)] = base;
      }
      const float bias = random.value();
      for (size_t i = 0; i < got.size; i++) got[i] = expected[i] = -7.0f;
      for (int j = 0; j < length; j++) {
        float acc = 0.0f;
        for (int t = 0; t < taps; t++) {
          if (j >= lo[size_t(t)] && j < hi[size_t(t)]) acc = std::fma(weight[size_t(t)], row[size_t(t)][j], acc);
        }
        expected[size_t(j * outStep)] = acc + bias;
      }
      isa.depthwiseRow(taps, row.data(), lo.data(), hi.data(), weight.data, length, got.data, outStep, bias);
      size_t at = 0;
      record(check, sameBits(got.data, expected.data, got.size, at),
             "length " + std::to_string(length) + ", step " + std::to_string(outStep) + ": out[" + std::to_string(at) + "]");
    }
  }
  out.push_back(check);
}

// One or two depthwise rows over padded rows (every lane read): fused taps in order from +0, then the bias; the second
// row reads each tap's row `rowShift` further on. NaN around the rows shows a read outside them; -7 an extra write.
void checkDepthwiseRowPair(const KernelSet& isa, Random& random, std::vector<KernelCheck>& out) {
  KernelCheck check{std::string("f32_dwconv_row_pair__") + isa.name, 0, 0, 0, 0, 0, std::string()};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const int length : {1, 7, 16, 17, 40, 64, 71, 130}) {
    for (const int64_t outStep : {1, 2}) {
      for (const int rowCount : {1, 2}) {
        const int taps = 1 + random.below(17), pad = 20;
        const int64_t rowShift = length + 2 * pad, span = 2 * rowShift, outShift = length * outStep + 5;
        Floats rowData(static_cast<size_t>(taps * span)), weight(static_cast<size_t>(taps)), got(static_cast<size_t>(2 * outShift)), expected(got.size);
        std::vector<const float*> row(static_cast<size_t>(taps));
        for (int t = 0; t < taps; t++) {
          weight[size_t(t)] = random.value();
          float* base = rowData.data + t * span + pad;
          for (int64_t i = -pad; i < span - pad; i++) base[i] = (i >= 0 && i < length) || (i >= rowShift && i < rowShift + length) ? random.value() : nan;
          row[size_t(t)] = base;
        }
        const float bias = random.value();
        for (size_t i = 0; i < got.size; i++) got[i] = expected[i] = -7.0f;
        for (int r = 0; r < rowCount; r++) {
          for (int j = 0; j < length; j++) {
            float acc = 0.0f;
            for (int t = 0; t < taps; t++) acc = std::fma(weight[size_t(t)], row[size_t(t)][r * rowShift + j], acc);
            expected[size_t(r * outShift + j * outStep)] = acc + bias;
          }
        }
        isa.depthwiseRowPair(taps, row.data(), weight.data, length, rowCount, rowShift, got.data, outStep, outShift, bias);
        size_t at = 0;
        record(check, sameBits(got.data, expected.data, got.size, at),
               "length " + std::to_string(length) + ", step " + std::to_string(outStep) + ", rows " + std::to_string(rowCount) + ": out[" + std::to_string(at) + "]");
      }
    }
  }
  out.push_back(check);
}

// The W-phase copy of rows for step 2: evens then odds, each `before` zeros, its values, zeros to `segment`.
void checkSplitStride2(const KernelSet& isa, Random& random, std::vector<KernelCheck>& out) {
  KernelCheck check{std::string("f32_split_s2__") + isa.name, 0, 0, 0, 0, 0, std::string()};
  for (const int64_t width : {1, 2, 15, 16, 17, 31, 32, 33, 64, 100, 128}) {
    for (const int64_t before : {0, 1, 2}) {
      const int64_t rows = 1 + random.below(3), after = random.below(4), segment = before + (width + 1) / 2 + after;
      Floats from(static_cast<size_t>(rows * width)), got(static_cast<size_t>(rows * 2 * segment + 8)), expected(got.size);
      for (size_t i = 0; i < from.size; i++) from[i] = random.value();
      for (size_t i = 0; i < got.size; i++) {
        got[i] = std::numeric_limits<float>::quiet_NaN();
        expected[i] = i < size_t(rows * 2 * segment) ? 0.0f : got[i];
      }
      for (int64_t r = 0; r < rows; r++) {
        for (int64_t i = 0; i < width; i++) expected[size_t(r * 2 * segment + (i % 2) * segment + before + i / 2)] = from[size_t(r * width + i)];
      }
      isa.splitRowsStride2(from.data, rows, width, before, segment, got.data);
      size_t at = 0;
      record(check, sameBits(got.data, expected.data, got.size, at),
             "width " + std::to_string(width) + ", before " + std::to_string(before) + ": out[" + std::to_string(at) + "]");
    }
  }
  out.push_back(check);
}

}  // namespace

std::vector<KernelCheck> checkKernelSet(const KernelSet* isa, uint32_t seed) {
  Random random{seed ? seed : 1};
  std::vector<KernelCheck> out;
  for (int i = 0; i < isa->tileCount; i++) {
    const GemmTile& tile = isa->tiles[i];
    checkGemm(tile, isa->name, random, out);
    if (tile.direct) checkDirect(tile, isa->directWidth, random, out);
  }
  checkPack(*isa, random, out);
  checkStore(*isa, random, out);
  if (isa->depthwiseRow) checkDepthwise(*isa, random, out);
  if (isa->depthwiseRowPair) checkDepthwiseRowPair(*isa, random, out);
  if (isa->splitRowsStride2) checkSplitStride2(*isa, random, out);
  return out;
}

}  // namespace tconv
