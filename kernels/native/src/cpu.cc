#include "cpu.h"

#include <algorithm>
#include <time.h>

namespace tconv {
namespace {

bool cpuHasAvx512() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

bool cpuHasAvx2() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

}  // namespace

const KernelSet* kernelSetByName(const std::string& name) {
  if (name == "avx512") return cpuHasAvx512() ? avx512Kernels() : nullptr;
  if (name == "avx2") return cpuHasAvx2() ? avx2Kernels() : nullptr;
  if (name == "scalar") return scalarKernels();
  return nullptr;
}

std::vector<std::string> supportedKernelSets() {
  std::vector<std::string> names;
  for (const char* name : {"avx512", "avx2", "scalar"}) {
    if (kernelSetByName(name)) names.push_back(name);
  }
  return names;
}

double fmaPeakGflops(const KernelSet* isa, double seconds) {
  if (!isa->fmaLoop) return 0;
  const auto now = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
  };
  // Median of ~1 ms pieces, the statistic the benchmarks use for calls: the clock of a shared core moves by up
  // to 1.5x with the neighbours' load, so a best-of would compare a lucky moment with typical ones.
  std::vector<double> rates;
  double spent = 0;
  while (spent < seconds || rates.size() < 5) {
    const double t0 = now();
    const double flops = isa->fmaLoop(200000);
    const double t1 = now();
    if (t1 > t0) rates.push_back(flops / (t1 - t0) / 1e9);
    spent += t1 - t0;
  }
  std::nth_element(rates.begin(), rates.begin() + rates.size() / 2, rates.end());
  return rates[rates.size() / 2];
}

}  // namespace tconv
