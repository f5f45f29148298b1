// Convs whose taps (two or more) along an axis all read one residue class of the input (stride and tap offsets share
// a factor g: ∂X of a transposed conv with stride 2 and dilation 2 reads only even rows and columns) run as the
// smaller conv over that class: the call first copies every g-th input value (from the class's first) into a compact buffer, then runs
// the reduced plan — stride s/g, offsets (o − r)/g — whose layouts are the engine's dense ones (dilated's ∂X becomes
// a stride-1 3×3 conv on 64², which ran 1.13–1.21× faster than the strided one, same process). Each output sums the
// same taps in the same order over the same values: bit-identical.
#pragma once
#include <cstdint>

#include "plan.h"

namespace tconv {

// Per axis (D, H, W): the input index of compact index i is first + step·i (step 1, first 0: the axis as it is).
struct Subsample {
  int32_t step[3] = {1, 1, 1}, first[3] = {0, 0, 0};
};

// Whether p (a conv) reads one residue class along some axis; if so, fills the reduced plan and the subsample.
bool subsamplePlan(const NativePlan& p, NativePlan& reduced, Subsample& s);

// Copies, for every (batch, channel) plane of `source`'s input, the values the subsample keeps into `to` (the
// reduced plan's input, a plane every planeStride floats: reduced.inSpatial, or a layout's padded channel stride).
void subsampleInput(const NativePlan& source, const NativePlan& reduced, const Subsample& s, const float* from, float* to, int64_t planeStride);

}  // namespace tconv
