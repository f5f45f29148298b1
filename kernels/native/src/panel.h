// Panel geometry: which input values each column of a panel reads. A packed panel is split into segments (columns
// that differ along one index only) and, per tap, copy runs for the packer; a direct panel is a list of 16-position
// row vectors with per-tap input offsets and lane masks. Shared by the task runners and the cost model.
#pragma once
#include <cstdint>

#include "engine.h"
#include "workspace.h"

namespace tconv {

// Splits panel `panel` of combo `c` into segments (w.segments); returns how many, and the number of real columns.
int layoutSegments(const Prepared& P, const Combo& c, int64_t panel, PanelScratch& w, int& real);

// For every tap of the combo that at least one column of the panel can reach, records the tap and its copy runs
// (zeros where the tap falls outside the input). Returns the number of such taps. With keepAll, every tap is kept
// (validTaps[t] = t, runs of unreached taps are all zeros) and reached[t] says which ones some column reaches.
int collectTaps(const Prepared& P, const Combo& c, int segmentCount, int real, PanelScratch& w, bool keepAll = false);

// A direct panel: nr / directWidth vectors (the kernel set's direct vector width, 16), each up to directWidth
// consecutive W positions of one row (n, j0, j1) of a combo. Vector slots are numbered (n, j0, j1, chunk of j2); a panel takes consecutive slots, so short rows and several
// batch elements share one register block.
struct DirectVector {
  int64_t n, j0, j1, j2;
  int length;  // 0: beyond the last slot
};

// Direct vector slots of a combo: (n, j0, j1, directWidth-chunk of j2).
int64_t directSlots(const Prepared& P, const Combo& c);

// The nr / directWidth vectors of direct panel `panel` (length 0 past the last slot).
void directPanel(const Prepared& P, const Combo& c, int64_t panel, DirectVector* vectors);

// Taps of a direct panel that reach the input through at least one lane: tap index, per-vector input offsets of
// lane 0 and lane masks. Returns the count.
int collectDirectTaps(const Prepared& P, const Combo& c, const DirectVector* vectors, int32_t* tapOut, int64_t* offsetOut, uint16_t* maskOut);

}  // namespace tconv
