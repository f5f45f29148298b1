#include "subsample.h"

#include <numeric>

namespace tconv {

bool subsamplePlan(const NativePlan& p, NativePlan& reduced, Subsample& s) {
  if (p.kind != 1) return false;
  s = Subsample{};
  bool any = false;
  for (int a = 0; a < 3; a++) {
    if (p.axes[a].size() != 1) return false;
    const AxisPhase& phase = p.axes[a][0];
    // Two taps or more: a 1-tap kernel's strided conv (ResNet-style shortcuts) keeps its strided packing, unmeasured here.
    if (phase.inStep <= 1 || phase.offset.size() < 2) continue;
    int32_t g = phase.inStep;
    for (const int32_t o : phase.offset) g = std::gcd(g, o - phase.offset[0]);
    const int32_t r = ((phase.offset[0] % g) + g) % g;
    if (g <= 1 || r >= p.in[a]) continue;
    s.step[a] = g;
    s.first[a] = r;
    any = true;
  }
  if (!any) return false;
  reduced = p;
  reduced.inSpatial = 1;
  for (int a = 0; a < 3; a++) {
    const int32_t g = s.step[a], r = s.first[a];
    reduced.in[a] = (p.in[a] - r + g - 1) / g;
    reduced.inSpatial *= reduced.in[a];
    AxisPhase& phase = reduced.axes[a][0];
    phase.inStep /= g;
    for (int32_t& o : phase.offset) o = (o - r) / g;  // exact: o ≡ r (mod g)
  }
  reduced.inputLength = int64_t(p.batch) * p.inChannels * reduced.inSpatial;
  // Its own key in the caches that hold plans by header (the trial's choice): the source's words and a marker.
  reduced.words.push_back(-1);
  for (int a = 0; a < 3; a++) reduced.words.push_back(s.step[a]);
  return true;
}

void subsampleInput(const NativePlan& source, const NativePlan& reduced, const Subsample& s, const float* from, float* planes0, int64_t planeStride) {
  const int64_t planes = int64_t(source.batch) * source.inChannels;
  const int64_t stepX = s.step[2], firstX = s.first[2], width = reduced.in[2];
  for (int64_t plane = 0; plane < planes; plane++) {
    const float* in = from + plane * source.inSpatial;
    float* to = planes0 + plane * planeStride;
    for (int64_t z = 0; z < reduced.in[0]; z++) {
      for (int64_t y = 0; y < reduced.in[1]; y++, to += width) {
        const float* __restrict row = in + ((s.first[0] + s.step[0] * z) * source.in[1] + s.first[1] + s.step[1] * y) * source.in[2] + firstX;
        float* __restrict out = to;
        if (stepX == 2) {  // the common factor, a loop the compiler vectorizes
          for (int64_t x = 0; x < width; x++) out[x] = row[2 * x];
        } else {
          for (int64_t x = 0; x < width; x++) out[x] = row[x * stepX];
        }
      }
    }
  }
}

}  // namespace tconv
