// The Winograd layout: convs whose outputs come from 4×4 transform-domain tiles with 16 products per (input channel,
// output channel) instead of one per tap and output (Lavin & Gray 2015, points 0, 1, −1, ∞):
//   F(2×2, 3×3)        stride-1 3×3 convs: a 2×2 output tile from a 4×4 input tile (36 → 16 products, 2.25×);
//   F(3×3, 2×2) split  k4 s2 convs (∂X of a k4 s2 transposed conv): the input split into its four (row, column)
//                      phases is a stride-1 2×2 correlation over 4·Cin channels, each phase (a, b) with the
//                      sub-kernel w[2i + a][2j + b]; a 3×3 output tile from a 4×4 tile of every phase (2.25×).
// The weights are transformed (U = G g Gᵀ, in double, rounded once) and packed at prepare. A task is a block of tiles:
// the input transform V = Bᵀ d B of every channel into per-thread scratch, for each of the 16 transform positions ξ
// one GEMM U_ξ[Cout × K] · V_ξ[K × tiles] on the kernel set's GEMM tile, then the output transform Aᵀ m A with the
// bias, clipped at the image's edges. Every output's sum has one order whatever the thread count.
#pragma once
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// The Winograd forms (Prepared::wino.form).
enum WinogradForm : int { kWinogradNone = 0, kWinogradF2x3 = 1, kWinogradF3x2Split = 2 };

// Which form fits p's shape exactly (2D conv, groups 1, dilation 1, every tap in the phase table, consecutive input
// offsets), or kWinogradNone. Any padding and batch: borders read zeros, partial tiles are clipped.
int winogradFormOf(const NativePlan& p);

// The rule (from the shape only, so a layer gives the same bits on every run): whether the form pays for its
// transforms on p. docs/kernels.md gives the measurements behind the thresholds.
bool winogradPays(const NativePlan& p, int form);

// Whether the layout can run on `tile`: panels of a multiple of 8 tiles, at most 64 (every kernel set's first tile).
bool winogradTileFits(const GemmTile& tile);

// Fills P's Winograd layout (P.wino), tasks, packed-weight size and estimated cycles for `form`, on tile `tile` of
// P.isa (P.plan and P.isa set).
void layoutWinograd(Prepared& P, int form, const GemmTile* tile);

// U = G g Gᵀ of every (output channel, reduction channel), packed per ξ into the GEMM tile's row blocks.
void packWinogradWeights(Prepared& P, const float* weight);

// Per-thread scratch of one task (transformed input and the 16 GEMM outputs), in floats.
int64_t winogradScratchFloats(const Prepared& P);

// One task: a block of P.wino.panels panels of nr tiles. w.winograd holds winogradScratchFloats(P) floats.
void runWinogradTask(const Prepared& P, Workspace& w, int64_t task, const float* x, const float* bias, float* y);

// The layout's name as describe() and the trace report it: "winograd F(2x2,3x3)", "winograd F(3x3,2x2) split", "".
const char* winogradName(int form);

}  // namespace tconv
