// Node-API surface of the native engine. Every buffer is checked against the plan here, before the engine reads or
// writes anything: a wrong length, type or aliasing throws a JavaScript error instead of touching memory.
//
//   capabilities()                                  → { kernelSets, hardwareThreads, compiler, sanitized }
//   prepare(header: Int32Array, weight: Float32Array, kernelSet: string, layout?) → handle (packed weights, tiles)
//   describe(handle)                                → { kernelSet, mr, nr, batchMinor, tasks, packedWeightBytes, tableBytes,
//                                                       estimatedCycles, measuredSeconds, maxThreads }
//   run(handle, header, input, bias | null, output, threads[, activation, alpha])
//   release(handle)                                 → frees the packed weights now (the handle is unusable after)
//   runOnce(header, weight, kernelSet, layout | undefined, input, bias | null, output, threads[, activation, alpha])
//                                                   → prepare, run and free in one call: nothing outlives it
//                                                   activation: 0 none, 1 relu, 2 leaky relu with slope alpha, 3 tanh,
//                                                   4 sigmoid, 5 silu (numbers; applied by the element-wise kernels)
//   sameBits(a: Float32Array, b: Float32Array)      → true when both hold the same bits (memcmp)
//   checkKernels(kernelSet, seed)                   → the micro-kernel tester's rows (ukernel_check.h)
//   weightGradient…, weightGradientWorkspace…       → training's ∂W (addon_backward.cc)
//   eltwiseMap…, eltwiseAdd…, eltwisePrelu…, eltwiseGroupNorm… → the element-wise kernels (addon_eltwise.cc)
#include <napi.h>

#include <cstring>
#include <thread>

#include "addon_backward.h"
#include "addon_eltwise.h"
#include "engine.h"
#include "schedule.h"
#include "runners.h"
#include "ukernel_check.h"
#include "winograd.h"

namespace {

using tconv::NativePlan;
using tconv::Prepared;

// Tags handles so that run() never reinterprets a foreign External.
const napi_type_tag kPreparedTag = {0x7c0a2d1f3b5e4a69ULL, 0x9d0b6c3e2f1a8574ULL};

[[noreturn]] void fail(const Napi::Env& env, const std::string& message) { throw Napi::RangeError::New(env, message); }

Napi::Int32Array headerArg(const Napi::CallbackInfo& info, size_t index) {
  const Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(index) + " (plan header) must be an Int32Array");
  }
  return v.As<Napi::Int32Array>();
}

Napi::Float32Array floatsArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>();
}

// What a handle points at: the prepared plan, which release() frees at once (a finalizer only runs once the event
// loop turns, so a synchronous loop of prepare() calls would otherwise hold every packed copy until it ends).
struct Handle {
  std::unique_ptr<Prepared> prepared;
  int64_t bytes = 0;  // reported to V8 as external memory while held
};

Handle& handleArg(const Napi::CallbackInfo& info, size_t index) {
  const Napi::Value v = info[index];
  if (!v.IsExternal() || !v.As<Napi::External<Handle>>().CheckTypeTag(&kPreparedTag)) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(index) + " must be a handle returned by prepare()");
  }
  return *v.As<Napi::External<Handle>>().Data();
}

Prepared& preparedArg(const Napi::CallbackInfo& info, size_t index) {
  Handle& handle = handleArg(info, index);
  if (!handle.prepared) fail(info.Env(), "the handle was released");
  return *handle.prepared;
}

NativePlan parseHeader(const Napi::Env& env, const Napi::Int32Array& header) {
  NativePlan plan;
  const std::string error = tconv::parsePlan(header.Data(), header.ElementLength(), plan);
  if (!error.empty()) fail(env, error);
  return plan;
}

void checkLength(const Napi::Env& env, const char* name, const Napi::Float32Array& array, int64_t expected) {
  if (int64_t(array.ElementLength()) != expected) {
    fail(env, std::string(name) + " has " + std::to_string(array.ElementLength()) + " values but the plan needs " + std::to_string(expected));
  }
}

bool overlaps(Napi::Float32Array a, Napi::Float32Array b) {
  const char* a0 = reinterpret_cast<const char*>(a.Data());
  const char* b0 = reinterpret_cast<const char*>(b.Data());
  return a.ByteLength() > 0 && b.ByteLength() > 0 && a0 < b0 + b.ByteLength() && b0 < a0 + a.ByteLength();
}

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  Napi::Array sets = Napi::Array::New(env);
  uint32_t i = 0;
  for (const std::string& name : tconv::supportedKernelSets()) sets.Set(i++, name);
  result.Set("kernelSets", sets);
  result.Set("hardwareThreads", Napi::Number::New(env, std::thread::hardware_concurrency()));
  result.Set("compiler", Napi::String::New(env, "g++ " __VERSION__));
#if defined(__SANITIZE_ADDRESS__)
  result.Set("sanitized", Napi::Boolean::New(env, true));
#else
  result.Set("sanitized", Napi::Boolean::New(env, false));
#endif
  return result;
}

// Checks prepare()'s and runOnce()'s common arguments (header, weight, kernel set, optional layout) and prepares.
std::unique_ptr<Prepared> prepareArgs(const Napi::CallbackInfo& info, size_t layoutIndex) {
  Napi::Env env = info.Env();
  const NativePlan plan = parseHeader(env, headerArg(info, 0));
  const Napi::Float32Array weight = floatsArg(info, 1, "weight");
  if (!info[2].IsString()) throw Napi::TypeError::New(env, "kernelSet must be a string");
  const std::string name = info[2].As<Napi::String>().Utf8Value();
  const tconv::KernelSet* isa = tconv::kernelSetByName(name);
  if (!isa) fail(env, "kernel set \"" + name + "\" is not available on this CPU");
  checkLength(env, "weight", weight, plan.weightLength);
  std::string force;
  if (info.Length() > layoutIndex && !info[layoutIndex].IsUndefined()) {
    if (!info[layoutIndex].IsString()) throw Napi::TypeError::New(env, "layout must be a string");
    force = info[layoutIndex].As<Napi::String>().Utf8Value();
    const std::string base = force.size() > 6 && force.compare(force.size() - 6, 6, "+group") == 0 ? force.substr(0, force.size() - 6) : force;
    if (base != "packed" && base != "batch-minor" && base != "direct" && base != "packed-split" &&
        ((base != "depthwise" && base != "winograd" && base != "channel-vector" && base != "space-to-depth") || base != force)) {
      fail(env, "layout \"" + force + "\" must be packed, batch-minor, direct, packed-split, depthwise, winograd, channel-vector or space-to-depth (the first four optionally +group)");
    }
  }
  std::unique_ptr<Prepared> prepared;
  const std::string error = tconv::prepare(plan, weight.Data(), int64_t(weight.ElementLength()), isa, force, prepared);
  if (!error.empty()) fail(env, error);
  return prepared;
}

Napi::Value Prepare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 && info.Length() != 4) throw Napi::TypeError::New(env, "prepare(header, weight, kernelSet[, layout]) takes 3 or 4 arguments");
  std::unique_ptr<Handle> owned(new Handle());
  owned->prepared = prepareArgs(info, 3);
  owned->bytes = owned->prepared->weightFloats * int64_t(sizeof(float)) + tconv::directTableBytes(*owned->prepared);
  const int64_t bytes = owned->bytes;
  auto handle = Napi::External<Handle>::New(env, owned.release(), [](Napi::Env finalizing, Handle* h) {
    if (h->bytes) Napi::MemoryManagement::AdjustExternalMemory(finalizing, -h->bytes);
    delete h;
  });
  handle.TypeTag(&kPreparedTag);
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  return handle;
}

Napi::Value Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1) throw Napi::TypeError::New(env, "release(handle) takes 1 argument");
  Handle& handle = handleArg(info, 0);
  handle.prepared.reset();
  if (handle.bytes) Napi::MemoryManagement::AdjustExternalMemory(env, -handle.bytes);
  handle.bytes = 0;
  return env.Undefined();
}

Napi::Value SameBits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw Napi::TypeError::New(env, "sameBits(a, b) takes 2 arguments");
  const Napi::Float32Array a = floatsArg(info, 0, "a");
  const Napi::Float32Array b = floatsArg(info, 1, "b");
  const bool same = a.ElementLength() == b.ElementLength() && std::memcmp(a.Data(), b.Data(), a.ByteLength()) == 0;
  return Napi::Boolean::New(env, same);
}

Napi::Value Describe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Prepared& p = preparedArg(info, 0);
  Napi::Object result = Napi::Object::New(env);
  result.Set("kernelSet", p.isa->name);
  result.Set("mr", p.mr);
  result.Set("nr", p.nr);
  result.Set("batchMinor", Napi::Boolean::New(env, p.batchMinor != 0));
  result.Set("direct", Napi::Boolean::New(env, p.direct != 0));
  result.Set("depthwise", Napi::Boolean::New(env, p.depthwise != 0));
  result.Set("channelVector", Napi::Boolean::New(env, p.channelVector != 0));
  result.Set("channelVectorLanes", p.channelVector);
  result.Set("spaceToDepth", Napi::Boolean::New(env, p.spaceToDepth != 0));
  result.Set("splitStep", p.splitStep);
  result.Set("subsampled", Napi::Boolean::New(env, p.source != nullptr));
  result.Set("flatRows", Napi::Boolean::New(env, p.flatRows != 0));
  result.Set("padPlanes", Napi::Boolean::New(env, p.padPlanes != 0));
  result.Set("winograd", tconv::winogradName(p.wino.form));
  result.Set("panelsPerTask", p.group);
  result.Set("tasks", Napi::Number::New(env, double(p.tasks)));
  result.Set("phaseCombinations", Napi::Number::New(env, double(p.combos.size())));
  result.Set("packedWeightBytes", Napi::Number::New(env, double(p.weightFloats * 4)));
  result.Set("tableBytes", Napi::Number::New(env, double(tconv::directTableBytes(p))));
  result.Set("estimatedCycles", Napi::Number::New(env, p.estimatedCycles));
  result.Set("measuredSeconds", Napi::Number::New(env, p.measuredSeconds));
  result.Set("maxThreads", tconv::threadsFor(p, 256));
  return result;
}

// Checks run()'s and runOnce()'s buffers (input, bias, output, threads from `first` on) against the plan and runs.
void runArgs(const Napi::CallbackInfo& info, const Prepared& prepared, size_t first) {
  Napi::Env env = info.Env();
  const NativePlan& plan = tconv::callerPlan(prepared);
  const Napi::Float32Array input = floatsArg(info, first, "input");
  Napi::Float32Array output = floatsArg(info, first + 2, "output");
  checkLength(env, "input", input, plan.inputLength);
  checkLength(env, "output", output, plan.outputLength);
  const float* bias = nullptr;
  if (plan.hasBias) {
    const Napi::Float32Array b = floatsArg(info, first + 1, "bias");
    checkLength(env, "bias", b, plan.outChannels);
    if (overlaps(b, output)) fail(env, "bias and output share memory");
    bias = b.Data();
  } else if (!info[first + 1].IsNull() && !info[first + 1].IsUndefined()) {
    throw Napi::TypeError::New(env, "bias must be null for a plan without bias");
  }
  if (overlaps(input, output)) fail(env, "input and output share memory");
  if (!info[first + 3].IsNumber()) throw Napi::TypeError::New(env, "threads must be a number");
  const int64_t threads = info[first + 3].As<Napi::Number>().Int64Value();
  if (threads < 1 || threads > 256) fail(env, "threads = " + std::to_string(threads) + " must be between 1 and 256");
  tconv::Activation activation;
  if (info.Length() > first + 4) {
    if (!info[first + 4].IsNumber() || !info[first + 5].IsNumber()) throw Napi::TypeError::New(env, "activation and alpha must be numbers");
    activation.kind = int(info[first + 4].As<Napi::Number>().Int32Value());
    activation.alpha = info[first + 5].As<Napi::Number>().DoubleValue();
    if (activation.kind < 0 || activation.kind > 5) fail(env, "activation = " + std::to_string(activation.kind) + " must be 0 (none), 1 (relu), 2 (leaky relu), 3 (tanh), 4 (sigmoid) or 5 (silu)");
  }
  if (prepared.wino.form && !tconv::reserveRunMemory(prepared, int(threads))) {
    fail(env, std::string("out of memory for the per-thread scratch of the ") + tconv::winogradName(prepared.wino.form) + " layout (" +
                  std::to_string(tconv::winogradScratchFloats(prepared) * 4) + " bytes a thread); free memory or run on fewer threads");
  }
  if (!tconv::reserveRunMemory(prepared, int(threads))) fail(env, "out of memory for the input copy of this layout (split by W phase, with padded channel planes, or a subsampled conv's compact input; " + std::to_string(plan.inputLength * 4) + " bytes or more); free memory or use fewer/smaller layers at once");
  tconv::execute(prepared, input.Data(), bias, output.Data(), int(threads), activation);
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6 && info.Length() != 8) throw Napi::TypeError::New(env, "run(handle, header, input, bias, output, threads[, activation, alpha]) takes 6 or 8 arguments");
  const Prepared& prepared = preparedArg(info, 0);
  const Napi::Int32Array header = headerArg(info, 1);
  const NativePlan& plan = tconv::callerPlan(prepared);
  if (header.ElementLength() != plan.words.size() ||
      std::memcmp(header.Data(), plan.words.data(), plan.words.size() * sizeof(int32_t)) != 0) {
    fail(env, "the plan header does not match the prepared handle");
  }
  runArgs(info, prepared, 2);
  return env.Undefined();
}

Napi::Value RunOnce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8 && info.Length() != 10) throw Napi::TypeError::New(env, "runOnce(header, weight, kernelSet, layout, input, bias, output, threads[, activation, alpha]) takes 8 or 10 arguments");
  const std::unique_ptr<Prepared> prepared = prepareArgs(info, 3);  // freed on return, also when runArgs throws
  runArgs(info, *prepared, 4);
  return env.Undefined();
}

Napi::Value FmaPeak(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "fmaPeak(kernelSet, seconds) takes a string and a number");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const tconv::KernelSet* isa = tconv::kernelSetByName(name);
  if (!isa) fail(env, "kernel set \"" + name + "\" is not available on this CPU");
  const double seconds = info[1].As<Napi::Number>().DoubleValue();
  if (!(seconds > 0 && seconds <= 10)) fail(env, "seconds = " + std::to_string(seconds) + " must be above 0 and at most 10");
  return Napi::Number::New(env, tconv::fmaPeakGflops(isa, seconds));
}

// The micro-kernel tester (ukernel_check.h): one row per kernel and row count, for test/native/ukernels.test.ts.
Napi::Value CheckKernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsString() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "checkKernels(kernelSet, seed) takes a string and a number");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const tconv::KernelSet* isa = tconv::kernelSetByName(name);
  if (!isa) fail(env, "kernel set \"" + name + "\" is not available on this CPU");
  const std::vector<tconv::KernelCheck> checks = tconv::checkKernelSet(isa, info[1].As<Napi::Number>().Uint32Value());
  Napi::Array result = Napi::Array::New(env, checks.size());
  for (size_t i = 0; i < checks.size(); i++) {
    const tconv::KernelCheck& c = checks[i];
    Napi::Object row = Napi::Object::New(env);
    row.Set("kernel", c.kernel);
    row.Set("mr", c.mr);
    row.Set("nr", c.nr);
    row.Set("rows", c.rows);
    row.Set("cases", c.cases);
    row.Set("failures", c.failures);
    row.Set("firstFailure", c.firstFailure);
    result.Set(uint32_t(i), row);
  }
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("fmaPeak", Napi::Function::New(env, FmaPeak));
  exports.Set("capabilities", Napi::Function::New(env, Capabilities));
  exports.Set("prepare", Napi::Function::New(env, Prepare));
  exports.Set("describe", Napi::Function::New(env, Describe));
  exports.Set("run", Napi::Function::New(env, Run));
  exports.Set("release", Napi::Function::New(env, Release));
  exports.Set("runOnce", Napi::Function::New(env, RunOnce));
  exports.Set("sameBits", Napi::Function::New(env, SameBits));
  exports.Set("checkKernels", Napi::Function::New(env, CheckKernels));
  tconv::registerBackward(env, exports);  // weightGradient, weightGradientWorkspace (addon_backward.cc)
  tconv::registerEltwise(env, exports);   // eltwiseMap, eltwiseAdd, eltwisePrelu, eltwiseGroupNorm (addon_eltwise.cc)
  return exports;
}

}  // namespace

NODE_API_MODULE(tconv_native, Init)
