// Space-to-depth layout: convs whose kernel equals their stride on every axis, without padding or dilation (∂X of
// a k2 s2 transposed conv: the suite's unet-up-2 and unet3d-up). Every output reads its own patch of the input, so
// the conv is one GEMM whose B is the input rearranged space-to-depth. A task packs nr positions (16-position runs
// of output rows) straight from the input — with W stride 2, the W taps of 16 outputs are the even and odd values of
// 32 consecutive input floats, split by one two-source permute each — into a B chunk per (z, y) tap pair (its two W
// taps × the channels: 16 KiB at unet-up-2's 64 channels), runs the tile's GEMM kernels over every row block after
// each chunk, and stores. Same A, same B rows in the same order (tap, then
// channel) and the same kernels and store as `packed`: bit-identical to it, so a trial candidate.
#pragma once
#include <cstdint>

#include "engine.h"
#include "space_to_depth_pack.h"

namespace tconv {

// Whether the layout applies: one phase per axis covering the output, taps 0 … s − 1 at offsets 0 … s − 1 on every
// axis (kernel = stride, no padding, dilation 1), W stride 2, one group, at most 64 input channels, every patch
// inside the input, and the avx512 kernel set (the permutes are AVX-512).
bool spaceToDepthApplies(const NativePlan& p, const KernelSet* isa);

// Fills P (plan, isa, tile, mr and nr set) as one combination whose tasks are panels of nr / 16 row runs, its weight
// size (packWeights' layout) and P.kc = 2 × channels: the B chunk (one (z, y) tap pair) Workspace::reserve sizes.
void spaceToDepthLayout(Prepared& P);

// Computes and stores panel `task` with the thread's B panel and C tile.
void runSpaceToDepthTask(const Prepared& P, float* B, float* C, int64_t task, const float* x, const float* bias, float* y);

}  // namespace tconv
