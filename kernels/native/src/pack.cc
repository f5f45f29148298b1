#include "pack.h"

#include <algorithm>

#include "channel_vector.h"

namespace tconv {

void packWeights(Prepared& P, const float* weight) {
  if (P.channelVector) return packChannelVector(P, weight);
  const NativePlan& p = P.plan;
  const int64_t cinG = p.cinG, M = p.M;
  for (const Combo& c : P.combos) {
    const AxisPhase& a0 = p.axes[0][size_t(c.phase[0])];
    const AxisPhase& a1 = p.axes[1][size_t(c.phase[1])];
    const AxisPhase& a2 = p.axes[2][size_t(c.phase[2])];
    for (int64_t g = 0; g < p.groups; g++) {
      for (int64_t row0 = 0; row0 < M; row0 += P.mr) {
        const int64_t rows = std::min<int64_t>(P.mr, M - row0);
        float* dst = P.weights + c.aOffset + c.taps * cinG * (g * M + row0);
        int64_t t = 0;
        for (size_t tz = 0; tz < a0.tap.size(); tz++) {
          for (size_t ty = 0; ty < a1.tap.size(); ty++) {
            for (size_t tx = 0; tx < a2.tap.size(); tx++, t++) {
              const int64_t kflat = (int64_t(a0.tap[tz]) * p.kernel[1] + a1.tap[ty]) * p.kernel[2] + a2.tap[tx];
              for (int64_t ci = 0; ci < cinG; ci++) {
                for (int64_t m = 0; m < rows; m++) {
                  const int64_t mo = row0 + m;
                  const int64_t index = weightIndex(p, g, ci, mo, kflat);
                  dst[(t * cinG + ci) * rows + m] = weight[index];
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace tconv
