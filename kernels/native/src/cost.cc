#include "cost.h"

#include <algorithm>

#include "panel.h"
#include "workspace.h"

namespace tconv {

double estimate(Prepared& P) {
  const NativePlan& p = P.plan;
  Workspace w;
  w.reserve(P);
  const int lanes = P.isa->lanes;
  const int nv = P.nr / lanes;
  double fmaPerRow = 0, callCost = 0;
  for (int64_t r0 = 0; r0 < p.M; r0 += P.mr) {
    const int rows = int(std::min<int64_t>(P.mr, p.M - r0));
    const double fmas = rows * nv, loads = rows + nv;
    fmaPerRow += std::max({fmas / 2.0, loads / 2.0, 4.0});
    callCost += rows * nv * 2 + 20;
  }
  // The input copy (phase-split or padded planes, direct layouts): about a cycle a float, memory-bound.
  double cycles = P.splitStep > 1 || P.padPlanes ? double(p.inputLength) : 0;
  for (const Combo& c : P.combos) {
    // Sample at most ~64 panels per combo; scale up.
    const int64_t step = std::max<int64_t>(1, c.panels / 64);
    double sampled = 0;
    int64_t seen = 0;
    for (int64_t panel = 0; panel < c.panels; panel += step, seen++) {
      if (P.direct) {
        DirectVector vectors[kMaxDirectVectors];
        directPanel(P, c, panel, vectors);
        const int valid = collectDirectTaps(P, c, vectors, w.directTap.data(), w.directOffset.data(), w.directMask.data());
        int lanes = 0;
        for (int v = 0; v < P.nr / kDirectWidth; v++) lanes += vectors[v].length;
        // Input rows are re-read from cache for every row block; beyond L1 they cost more.
        const double l2 = double(valid) * p.cinG * P.nr * 4 > 40000 ? 1.6 : 1.0;
        double perRow = 0;
        for (int64_t r0 = 0; r0 < p.M; r0 += P.mr) {
          const int rows = int(std::min<int64_t>(P.mr, p.M - r0));
          perRow += std::max({rows * nv / 2.0, (rows + nv * l2) / 2.0, 4.0});
        }
        sampled += double(valid) * p.cinG * perRow + callCost + double(p.M) * (lanes / 4.0 + nv * 4) + c.taps * nv * 8 + 300;
        continue;
      }
      int real = 0;
      PanelScratch& ps = w.panels[0];
      const int segments = layoutSegments(P, c, panel, ps, real);
      const int valid = collectTaps(P, c, segments, real, ps);
      double packPerRow = 0;
      for (int r = 0; r < (valid ? ps.runFirst[size_t(valid)] : 0); r++) {
        const Run& run = ps.runs[size_t(r)];
        packPerRow += 4 + (run.source >= 0 && run.step == 1 ? run.length / 8.0 : run.length);
      }
      if (valid) packPerRow /= valid;
      const double rows = double(valid) * p.cinG;
      sampled += rows * (fmaPerRow + packPerRow) + (rows / P.kc + valid) * callCost + double(p.M) * (real / 4.0 + 4 * segments) +
                 double(segments) * c.taps * 6 + 300;
    }
    cycles += sampled * double(c.panels) / double(seen) * p.groups;
  }
  return cycles;
}

}  // namespace tconv
