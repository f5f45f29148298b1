// The element-wise set's product and copy kernels (eltwise.h: matmul, upsample2x, maxPool2x2, depthToSpace), included
// after eltwise_impl.h, whose vector types and helpers they use, inside `namespace tconv { namespace {` by
// eltwise_avx2.cc and eltwise_portable.cc. Each is `flatten`ed: every helper inlined, so no vector crosses a call in
// the portable build.

// Y (m×n) = A (m×k) · B (k×n): each output the double sum of its k products in order p = 0…k−1, rounded once (a
// float32 product is exact in double, so these are the bits of the JavaScript loop). A's element (i, p) is at
// a[i·ra + p·pa] (ra = k, pa = 1 row-major; ra = 1, pa = m when A is stored transposed: it is read one value at a
// time); B and Y are row-major. Two rows of A by 16 columns of B at a time: eight independent double accumulators, so
// the adds' latency is hidden; B's 16 values are loaded once for both rows. Y must not overlap A or B.
template <int ROWS, int VECS>
inline void matmulTile(const float* a, int64_t ra, int64_t pa, const float* b, int64_t k, int64_t n, float* y) {
  D acc[ROWS][2 * VECS];
  for (int r = 0; r < ROWS; r++)
    for (int v = 0; v < 2 * VECS; v++) acc[r][v] = splatD(0.0);
  for (int64_t p = 0; p < k; p++) {
    V bv[VECS];
    for (int v = 0; v < VECS; v++) bv[v] = load(b + p * n + v * kLanes);
    for (int r = 0; r < ROWS; r++) {
      const D av = splatD(double(a[r * ra + p * pa]));
      for (int v = 0; v < VECS; v++) {
        acc[r][2 * v] += av * lowD(bv[v]);
        acc[r][2 * v + 1] += av * highD(bv[v]);
      }
    }
  }
  for (int r = 0; r < ROWS; r++)
    for (int v = 0; v < VECS; v++) store(y + r * n + v * kLanes, joinD(acc[r][2 * v], acc[r][2 * v + 1]));
}

template <int ROWS>
inline void matmulRows(const float* a, int64_t ra, int64_t pa, const float* b, int64_t k, int64_t n, float* y) {
  int64_t j = 0;
  for (; j + 2 * kLanes <= n; j += 2 * kLanes) matmulTile<ROWS, 2>(a, ra, pa, b + j, k, n, y + j);
  for (; j + kLanes <= n; j += kLanes) matmulTile<ROWS, 1>(a, ra, pa, b + j, k, n, y + j);
  for (; j < n; j++) {
    for (int r = 0; r < ROWS; r++) {
      double sum = 0.0;
      for (int64_t p = 0; p < k; p++) sum += double(a[r * ra + p * pa]) * double(b[p * n + j]);
      y[r * n + j] = float(sum);
    }
  }
}

__attribute__((flatten)) void matmul(const float* a, bool transA, const float* b, int64_t m, int64_t k, int64_t n, float* y) {
  const int64_t ra = transA ? 1 : k, pa = transA ? m : 1;
  int64_t i = 0;
  for (; i + 2 <= m; i += 2) matmulRows<2>(a + i * ra, ra, pa, b, k, n, y + i * n);
  if (i < m) matmulRows<1>(a + i * ra, ra, pa, b, k, n, y + i * n);
}

// Nearest ×2 upsampling in 2D: `rows` input rows of `width` values (planes and heights folded together), each value
// stored twice in each of its two output rows (rows of 2·width). A copy: the bits of the input.
__attribute__((flatten)) void upsample2x(const float* x, int64_t rows, int64_t width, float* y) {
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * width;
    float* top = y + 4 * r * width;
    float* bottom = top + 2 * width;
    int64_t i = 0;
    for (; i + kLanes <= width; i += kLanes) {
      const V v = load(in + i);
      const V lo = __builtin_shufflevector(v, v, 0, 0, 1, 1, 2, 2, 3, 3);
      const V hi = __builtin_shufflevector(v, v, 4, 4, 5, 5, 6, 6, 7, 7);
      store(top + 2 * i, lo);
      store(top + 2 * i + kLanes, hi);
      store(bottom + 2 * i, lo);
      store(bottom + 2 * i + kLanes, hi);
    }
    for (; i < width; i++) top[2 * i] = top[2 * i + 1] = bottom[2 * i] = bottom[2 * i + 1] = in[i];
  }
}

// MaxPool 2×2 of stride 2 in 2D with every window inside the input: `planes` planes of inRows × inWidth values give
// outRows × outWidth each (outRows·2 ≤ inRows, outWidth·2 ≤ inWidth). Each output is its window's first tap raised
// by taps 1, in2 and in2 + 1 in that order, `v > best ? v : best` (the JavaScript loop's: a NaN first tap stays, a
// later NaN does not replace it), so the bits are the loop's.
__attribute__((flatten)) void maxPool2x2(const float* x, int64_t planes, int64_t inRows, int64_t inWidth, int64_t outRows, int64_t outWidth, float* y) {
  for (int64_t p = 0; p < planes; p++) {
    for (int64_t r = 0; r < outRows; r++) {
      const float* top = x + (p * inRows + 2 * r) * inWidth;
      const float* bottom = top + inWidth;
      float* out = y + (p * outRows + r) * outWidth;
      int64_t o = 0;
      for (; o + kLanes <= outWidth && 2 * o + 2 * kLanes <= inWidth; o += kLanes) {
        const V t0 = load(top + 2 * o), t1 = load(top + 2 * o + kLanes);
        const V b0 = load(bottom + 2 * o), b1 = load(bottom + 2 * o + kLanes);
        // Even lanes: each window's taps 0 (top left) and 2 (bottom left); odd lanes: taps 1 and 3.
        V best = __builtin_shufflevector(t0, t1, 0, 2, 4, 6, 8, 10, 12, 14);
        const V a1 = __builtin_shufflevector(t0, t1, 1, 3, 5, 7, 9, 11, 13, 15);
        const V a2 = __builtin_shufflevector(b0, b1, 0, 2, 4, 6, 8, 10, 12, 14);
        const V a3 = __builtin_shufflevector(b0, b1, 1, 3, 5, 7, 9, 11, 13, 15);
        best = a1 > best ? a1 : best;
        best = a2 > best ? a2 : best;
        best = a3 > best ? a3 : best;
        store(out + o, best);
      }
      for (; o < outWidth; o++) {
        float best = top[2 * o];
        if (top[2 * o + 1] > best) best = top[2 * o + 1];
        if (bottom[2 * o] > best) best = bottom[2 * o];
        if (bottom[2 * o + 1] > best) best = bottom[2 * o + 1];
        out[o] = best;
      }
    }
  }
}

// DepthToSpace CRD (PyTorch's PixelShuffle): y[p, h·b + i, w·b + j] = x[p·b² + i·b + j, h, w] for each of `planes`
// output planes (batch · channels). Each output row interleaves b input rows: b = 2 by shuffles (two rows of 8 into
// 16 values), other blocks value by value. A copy: the bits of the input.
__attribute__((flatten)) void depthToSpace(const float* x, int64_t planes, int64_t h, int64_t w, int64_t b, float* y) {
  const int64_t plane = h * w;
  for (int64_t p = 0; p < planes; p++) {
    for (int64_t row = 0; row < h; row++) {
      for (int64_t i = 0; i < b; i++) {
        const float* in = x + (p * b * b + i * b) * plane + row * w;  // channel (i, j = 0); j steps one plane
        float* out = y + ((p * h + row) * b + i) * w * b;
        int64_t col = 0;
        if (b == 2) {
          for (; col + kLanes <= w; col += kLanes) {
            const V a = load(in + col), c = load(in + plane + col);
            store(out + 2 * col, __builtin_shufflevector(a, c, 0, 8, 1, 9, 2, 10, 3, 11));
            store(out + 2 * col + kLanes, __builtin_shufflevector(a, c, 4, 12, 5, 13, 6, 14, 7, 15));
          }
        }
        for (; col < w; col++)
          for (int64_t j = 0; j < b; j++) out[col * b + j] = in[j * plane + col];
      }
    }
  }
}
