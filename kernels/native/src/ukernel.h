// Register-blocked micro-kernels: C[mr × nr] (+)= A[kc × mr]ᵀ · B[kc × nr].
// A holds packed weights (for each k, mr output-channel values, broadcast one at a time); B holds packed input
// values (for each k, nr output positions, loaded as vectors). C is a 64-byte-aligned tile with row stride nr.
// One table per instruction set; the driver picks the table at run time from the CPU's features.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tconv {

typedef void (*MicroKernel)(int64_t kc, const float* A, const float* B, float* C, int accumulate);

// A register-block shape an instruction set offers: up to maxRows output channels × nr positions.
struct TileShape {
  int maxRows;
  int nr;
};

struct KernelSet {
  const char* name;
  int lanes;  // floats per vector register

  int shapeCount;
  TileShape shapes[4];
  // Kernel for `rows` (1..maxRows) output channels with the shape's nr, or nullptr.
  MicroKernel (*get)(int shape, int rows);
};

const KernelSet* scalarKernels();
const KernelSet* avx2Kernels();    // nullptr when not compiled for x86-64
const KernelSet* avx512Kernels();  // nullptr when not compiled for x86-64

}  // namespace tconv
