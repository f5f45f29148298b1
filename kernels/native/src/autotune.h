// The autotuner: builds a plan's candidates (tile shape × layout), ranks them with the cycle model, times the best
// few on zero inputs and keeps the fastest; remembers the choice per plan header and kernel set.
#pragma once
#include "engine.h"

// tconv::prepare (declared in engine.h) is defined in autotune.cc.
