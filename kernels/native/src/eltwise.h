// Element-wise float32 kernels: the activations (src/engine/ops/activation.ts defines them), their application to a
// sum of two arrays, PRelu with a slope per channel and group normalisation. One source (eltwise_impl.h) written
// with GCC vector types of 8 floats is compiled twice: for AVX2 (eltwise_avx2.cc, one ymm register per vector) and
// for the baseline x86-64 or other target (eltwise_portable.cc). Both compile without floating-point contraction
// (no fused multiply-adds), so the two sets give the same bits and the conv epilogue equals the separate map.
//
// Kernel names (docs/kernels.md): f32_vrelu, f32_vlrelu, f32_vtanh, f32_vsigmoid, f32_vsilu (the map of each
// activation), f32_vadd (sum, then the activation), f32_vprelu, f32_gnorm, f32_softmax (rows), f32_vaffine (a·x + b
// or x/a + b: arithmetic with a scalar), f32_matmul (small products in double), f32_up2x
// (nearest ×2 in 2D), f32_maxpool2x2, f32_d2s (DepthToSpace CRD), each __avx2 or __portable.
#pragma once
#include <cstdint>

#include "ukernel.h"

namespace tconv {

// Codes as ACTIVATION_CODES: 0 none, 1 relu, 2 leaky relu (slope alpha), 3 tanh, 4 sigmoid, 5 silu.
constexpr int kActivationCodes = 6;

struct EltwiseKernels {
  const char* set;  // "avx2" or "portable"
  // y[i] = f(x[i]); y may be x (exactly, not a partial overlap).
  void (*map)(int code, double alpha, const float* x, float* y, int64_t n);
  // y[i] = f(a[i] + b[i]); y may be a or b.
  void (*add)(int code, double alpha, const float* a, const float* b, float* y, int64_t n);
  // Blocks of `inner` values, block k with slope[k % channels]: x < 0 ? slope·x (double, rounded once) : x.
  void (*prelu)(const float* x, const float* slope, int64_t channels, int64_t inner, float* y, int64_t n);
  // Per block of blockSize values: mean and biased variance in double (two passes), then per channel c
  // y = a·x + b with a = scale[c]/√(variance + ε), b = shift[c] − a·mean in double, rounded once, then f.
  void (*groupNorm)(const float* x, int64_t blocks, int64_t blockSize, int64_t channels, int64_t inner, double epsilon,
                    const float* scale, const float* shift, int code, double alpha, float* y);
  // Softmax of each of `rows` rows of `length` contiguous values: max, e = e^(x − max) (x − max and its range
  // reduction in double, eʳ by the float polynomial), Σ e in double, y = e·(1/Σ) in double rounded once. A row
  // holding a NaN or an infinite maximum gives NaNs, as the formula does. y may be x.
  void (*softmax)(const float* x, int64_t rows, int64_t length, float* y);
  // y[i] = a·x[i] + b, or x[i]/a + b when `divide`, in double rounded once (Mul/Add/Sub/Div by a scalar: the JS bits).
  void (*affine)(const float* x, double a, double b, bool divide, float* y, int64_t n);
  // y (m×n) = a (m×k, or stored k×m when transA) · b (k×n), row-major, each output the double sum of its products in
  // order, rounded once (the JavaScript loop's bits); y apart from a and b. MatMul's small products (the LDM
  // decoder's attention).
  void (*matmul)(const float* a, bool transA, const float* b, int64_t m, int64_t k, int64_t n, float* y);
  // Nearest ×2 in 2D: each of `rows` rows of `width` values becomes two rows of 2·width, each value stored twice.
  void (*upsample2x)(const float* x, int64_t rows, int64_t width, float* y);
  // MaxPool 2×2, stride 2, windows inside the input: per plane inRows × inWidth → outRows × outWidth, taps compared
  // in order with `v > best` (the JavaScript loop's bits, NaN included). y apart from x.
  void (*maxPool2x2)(const float* x, int64_t planes, int64_t inRows, int64_t inWidth, int64_t outRows, int64_t outWidth, float* y);
  // DepthToSpace CRD (PixelShuffle): `planes` output planes of (h·b) × (w·b) from planes·b² input planes of h × w.
  void (*depthToSpace)(const float* x, int64_t planes, int64_t h, int64_t w, int64_t b, float* y);
};

const EltwiseKernels* eltwisePortable();
const EltwiseKernels* eltwiseAvx2();  // nullptr when not compiled for x86-64

// The element-wise kernels that go with a convolution kernel set (avx512 and avx2: the AVX2 ones; scalar: portable).
const EltwiseKernels* eltwiseFor(const KernelSet* isa);

}  // namespace tconv
