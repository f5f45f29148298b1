#include "layout.h"

#include <algorithm>

#include "panel.h"

namespace tconv {

void singleComboTasks(Prepared& P, const Combo& c, int64_t taps) {
  const NativePlan& p = P.plan;
  P.combos.assign(1, c);
  P.maxTaps = taps;
  P.group = 1;
  P.weightFloats = taps * p.cinG * p.M;
  P.tasks = c.taskPanels;
  P.taskList.clear();
  P.taskList.reserve(size_t(P.tasks));
  for (int64_t t = 0; t < P.tasks; t++) P.taskList.push_back(TaskRef{0, 0, t});
  P.phaseMajor.resize(P.taskList.size());
  for (size_t i = 0; i < P.phaseMajor.size(); i++) P.phaseMajor[i] = int32_t(i);
}

void layout(Prepared& P) {
  const NativePlan& p = P.plan;
  P.combos.clear();
  P.maxTaps = 0;
  P.flatRows = flatRowsApply(P);
  int64_t aOffset = 0, task = 0;
  const int64_t total0 = p.axes[0].size(), total1 = p.axes[1].size(), total2 = p.axes[2].size();
  for (int64_t a = 0; a < total0; a++) {
    for (int64_t b = 0; b < total1; b++) {
      for (int64_t d = 0; d < total2; d++) {
        Combo c;
        c.phase[0] = int(a);
        c.phase[1] = int(b);
        c.phase[2] = int(d);
        const AxisPhase* ph[3] = {&p.axes[0][size_t(a)], &p.axes[1][size_t(b)], &p.axes[2][size_t(d)]};
        c.positions = 1;
        c.taps = 1;
        for (int k = 0; k < 3; k++) {
          c.count[k] = ph[k]->count;
          c.positions *= ph[k]->count;
          c.taps *= int64_t(ph[k]->tap.size());
        }
        if (c.positions == 0 || p.batch == 0) continue;  // nothing to write
        c.aOffset = aOffset;
        aOffset += c.taps * p.cinG * p.outChannels;
        c.panels = P.depthwise ? int64_t(p.batch) : P.direct ? (directSlots(P, c) + P.nr / kDirectWidth - 1) / (P.nr / kDirectWidth) : (int64_t(p.batch) * c.positions + P.nr - 1) / P.nr;
        P.maxTaps = std::max(P.maxTaps, c.taps);
        P.combos.push_back(c);
      }
    }
  }
  // GEMM layouts whose weights for one phase and group (taps × cinG × M floats) outgrow the cache a task can keep
  // them in: tasks take four panels each, so every weight chunk is reused while cached — while at least 16 tasks
  // (or one per panel, if fewer) remain for the threads to balance. Unit-step direct layouts group whatever their
  // weights: a task's fixed cost then spreads over four panels (same-process 1.02–1.07× on 32² layers of the zoo and
  // the bench suite, even elsewhere; perf-log 2026-12-07, 20:20–21:10).
  int64_t largest = 0, panels = 0;
  for (const Combo& c : P.combos) {
    largest = std::max(largest, c.taps * p.cinG * p.M * 4);
    panels += c.panels * p.groups;
  }
  P.group = P.depthwise ? 1 : P.direct && P.splitStep == 1 ? 4 : largest > (P.direct ? (1 << 18) : (1 << 20)) ? 4 : 1;
  if (P.forceGroup) P.group = P.depthwise ? 1 : 4;
  for (; P.group > 1 && !P.forceGroup; P.group /= 2) {
    int64_t tasks = 0;
    for (const Combo& c : P.combos) tasks += (c.panels + P.group - 1) / P.group * p.groups;
    if (tasks >= std::min<int64_t>(16, panels)) break;
  }
  for (Combo& c : P.combos) {
    c.taskPanels = (c.panels + P.group - 1) / P.group;
    task += c.taskPanels * p.groups;
  }
  P.weightFloats = aOffset;
  P.tasks = task;
  P.taskList.clear();
  P.taskList.reserve(size_t(task));
  int64_t most = 0;
  for (const Combo& c : P.combos) most = std::max(most, c.taskPanels);
  for (int32_t g = 0; g < p.groups; g++) {
    for (int64_t panel = 0; panel < most; panel++) {
      for (size_t k = 0; k < P.combos.size(); k++) {
        if (panel < P.combos[k].taskPanels) P.taskList.push_back(TaskRef{int32_t(k), g, panel});
      }
    }
  }
  P.phaseMajor.resize(P.taskList.size());
  for (size_t i = 0; i < P.phaseMajor.size(); i++) P.phaseMajor[i] = int32_t(i);
  std::stable_sort(P.phaseMajor.begin(), P.phaseMajor.end(), [&](int32_t a, int32_t b) {
    const TaskRef &x = P.taskList[size_t(a)], &y = P.taskList[size_t(b)];
    return x.group != y.group ? x.group < y.group : x.combo < y.combo;
  });
  P.kc = std::max<int64_t>(8, 4096 / P.nr);
}

}  // namespace tconv
