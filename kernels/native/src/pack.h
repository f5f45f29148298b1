// Weight packing: a layer's weights, in the layout of its op, rearranged once per plan into the micro-kernels'
// panels of mr output channels, [phase combination][group][row block][tap][channel][mr].
#pragma once
#include "engine.h"

namespace tconv {

// Fills P.weights (P.weightFloats floats, allocated by the caller) from the op's weight tensor.
void packWeights(Prepared& P, const float* weight);

}  // namespace tconv
