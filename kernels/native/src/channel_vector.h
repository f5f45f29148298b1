// Channel-vector layout: convs with few input channels and many output channels (dcgan-5's ∂X: 3 channels in, 64
// out, 16 taps). The GEMM layouts vectorise over output positions and broadcast weights, so such a layer's outputs
// leave the kernel as rows of 64 planes 4 KiB apart; here a vector holds 8 output channels of one position (weights
// are the vector operand, input values broadcast), one output row (n, z, y) is computed into an 8-channel-blocked
// tile in L1, and one transposing pass writes it to NCHW. Each output still sums tap by tap with the channels inside,
// from zero, the bias added last: the same bits as every other layout.
#pragma once
#include <cstdint>

#include "engine.h"

namespace tconv {

// Whether the layout applies: one phase per axis covering the output (a conv, or a stride-1 transposed conv), one
// group, output channels a multiple of 8 and at least 16, at most 4 input channels, a row's tile and input rows
// small enough for L1, and a CPU with AVX2 and FMA.
bool channelVectorApplies(const NativePlan& p);

// Fills P (plan and isa set) as one combination whose tasks are the output rows (n, z, y), and its weight size.
void channelVectorLayout(Prepared& P);

// Packs weights as [M / 8][tap][input channel][8 output channels] (taps z-major, as the other layouts).
void packChannelVector(Prepared& P, const float* weight);

// Floats of per-thread scratch a task needs (Workspace::reserve): the row's tile and its zero-padded input rows.
int64_t channelVectorScratch(const NativePlan& p);

// Computes and stores output row `task`, with `scratch` of channelVectorScratch floats.
void runChannelVectorTask(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y);

}  // namespace tconv
