// Layout of one candidate: its phase combinations, panels per combo, panels per task (weight reuse), the task list in
// row-interleaved and phase-major order, and the packed-weight offsets.
#pragma once
#include "engine.h"

namespace tconv {

// Column order, tile shape and chunk size for one candidate (set by the caller): fills combos, tasks, kc and the
// packed-weight offsets.
void layout(Prepared& P);

// A layout of one combo (one phase per axis, one group) whose tasks are its task panels in order: sets the combo,
// taps, packed-weight size and the task lists (channel-vector and space-to-depth layouts).
void singleComboTasks(Prepared& P, const Combo& c, int64_t taps);

}  // namespace tconv
