// Channel-vector layout: convs with few input channels and many output channels (dcgan-5's ∂X: 3 channels in, 64
// out, 16 taps). The GEMM layouts vectorise over output positions and broadcast weights, so such a layer's outputs
// leave the kernel as rows of 64 planes 4 KiB apart; here a vector holds 8 (AVX2) or 16 (AVX-512) output channels of
// one position (weights are the vector operand, input values broadcast), one output row (n, z, y) is computed into a
// channel-blocked tile in L1, and one transposing pass writes it to NCHW. Each output still sums tap by tap with the
// channels inside, from zero, the bias added last: the same bits as every other layout.
#pragma once
#include <cstdint>

#include "engine.h"

namespace tconv {

// Whether the layout applies: one phase per axis covering the output (a conv, or a stride-1 transposed conv), one
// group, output channels a multiple of 8 and at least 16, at most 4 input channels, a row's tile and input rows
// small enough for L1, and a CPU with AVX2 and FMA.
bool channelVectorApplies(const NativePlan& p);

// Output channels per vector for kernel set `isa`: 16 (zmm, channel_vector_avx512.cc) for the avx512 set when the
// output channels are a multiple of 16, else 8 (ymm, channel_vector_avx2.cc). Prepared::channelVector holds it.
int channelVectorLanes(const NativePlan& p, const KernelSet* isa);

// Fills P (plan, isa set and channelVector = lanes) as one combination whose tasks are the output rows (n, z, y),
// and its weight size.
void channelVectorLayout(Prepared& P);

// Packs weights as [M / lanes][tap][input channel][lanes output channels] (taps z-major, as the other layouts).
void packChannelVector(Prepared& P, const float* weight);

// Floats of per-thread scratch a task needs (Workspace::reserve): the row's tile and its zero-padded input rows.
int64_t channelVectorScratch(const NativePlan& p);

// Computes and stores output row `task`, with `scratch` of channelVectorScratch floats (either lane width).
void runChannelVectorTask(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y);

// Shared by the two kernel files (channel_vector.cc).
namespace cvec {

// Row caps: the tile and the zero-padded input rows of one output row stay in L1 beside the weights; the (z, y)
// taps a row reaches fit a small array.
constexpr int64_t kTileFloats = 8192, kLocalFloats = 4096, kMaxRowTaps = 64;

struct Geometry {
  int64_t nz, ny, nx, taps;
  int64_t minX;   // input column of a local row's first float (may be < 0: zeros)
  int64_t width;  // floats per local row: every column an output row reads through its W taps
  int64_t tileFloats;    // the AVX2 kernel's two 8-blocked tiles (a row computed, the previous one stored)
  int64_t copyFloats;    // the AVX2 kernel's channel-major copy of one 8-channel block (positions padded to 8)
  int64_t tile16Floats;  // the AVX-512 kernel's two 16-blocked tiles and a 16-channel copy (positions padded to 16)
  int64_t localFloats;
};
Geometry geometry(const NativePlan& p);

// One output row's input: the (z, y) tap rows it reaches, each input channel's row copied zero-padded along W.
struct RowInput {
  int rows;                    // reached (z, y) tap rows
  int32_t rowTap[kMaxRowTaps]; // their first flat tap index ((tz · ny + ty) · nx)
  int64_t source[kMaxRowTaps]; // input offset of each reached row in input channel 0 (channel c: + c · inSpatial)
  int64_t xoff[64];            // W tap tx's offset into a local row
  int64_t n, z, y;             // the output row
};

// Output rows per task, for either lane width: several (up to 8, ≥ 8 tasks where the layer has the rows), so that
// each row's stores can run under the next row's FMAs (channel_vector_avx2.cc, channel_vector_avx512.cc).
int64_t rowsPerTask(const NativePlan& p, int lanes);

// Fills `in` and `local` (rows × input channels × width floats; local nullptr: the caller copies from in.source) for
// output row `row` (n, z, y flattened), and prefetches the row's output lines into L2 where P.prefetchOutput says so
// (y nullptr: not).
void loadRowInput(const Prepared& P, const Geometry& g, int64_t row, const float* x, float* local, float* y, RowInput& in);

}  // namespace cvec

// channel_vector_avx512.cc: the 16-lane task (called by runChannelVectorTask when P.channelVector is 16).
void runChannelVectorTask16(const Prepared& P, int64_t task, float* scratch, const float* x, const float* bias, float* y);

}  // namespace tconv
