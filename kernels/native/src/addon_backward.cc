// Node-API surface of the backward kernels (backward_weight.h), registered by addon.cc's Init. Every buffer is
// checked against the shape before the kernel reads or writes anything.
//
//   weightGradientWorkspace(shape: Int32Array(22), kernelSet, threads) → floats of workspace the call needs
//   weightGradient(shape, kernelSet, x, gradOutput, gradWeight, workspace, threads)
//
// shape: batch, inChannels, outChannels, groups, then per axis (3, unit axes in front) input, output, kernel,
// stride, dilation, padBegin — of the transposed-convolution plan whose ∂W is wanted.
#include <napi.h>

#include <string>

#include "addon_backward.h"
#include "backward_weight.h"
#include "cpu.h"

namespace tconv {
namespace {

[[noreturn]] void refuse(const Napi::Env& env, const std::string& message) { throw Napi::RangeError::New(env, message); }

WeightGradientShape shapeArg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Value v = info[0];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "shape must be an Int32Array");
  }
  const Napi::Int32Array a = v.As<Napi::Int32Array>();
  if (a.ElementLength() != 22) refuse(env, "shape must hold 22 values");
  WeightGradientShape s;
  s.batch = a[0];
  s.inChannels = a[1];
  s.outChannels = a[2];
  s.groups = a[3];
  if (s.batch < 0 || s.inChannels < 1 || s.outChannels < 1 || s.groups < 1 || s.inChannels % s.groups || s.outChannels % s.groups) {
    refuse(env, "shape: batch ≥ 0, channels ≥ 1 and divisible by groups ≥ 1");
  }
  int64_t inSize = 1, outSize = 1, taps = 1;
  for (int axis = 0; axis < 3; axis++) {
    s.in[axis] = a[4 + axis];
    s.out[axis] = a[7 + axis];
    s.kernel[axis] = a[10 + axis];
    s.stride[axis] = a[13 + axis];
    s.dilation[axis] = a[16 + axis];
    s.padBegin[axis] = a[19 + axis];
    if (s.in[axis] < 1 || s.out[axis] < 1 || s.kernel[axis] < 1 || s.stride[axis] < 1 || s.dilation[axis] < 1) {
      refuse(env, "shape: sizes, kernel, stride and dilation must be ≥ 1 on every axis");
    }
    inSize *= s.in[axis];
    outSize *= s.out[axis];
    taps *= s.kernel[axis];
  }
  // Every product the kernel forms stays far inside int64 (each factor < 2³¹, tensors < 2³¹ elements checked below).
  if (s.batch * s.inChannels * inSize >= (int64_t(1) << 31) || s.batch * s.outChannels * outSize >= (int64_t(1) << 31) ||
      s.inChannels * (s.outChannels / s.groups) * taps >= (int64_t(1) << 31)) {
    refuse(env, "shape: a tensor over 2³¹ − 1 elements");
  }
  return s;
}

const KernelSet* kernelSetArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "kernelSet must be a string");
  const std::string name = info[index].As<Napi::String>().Utf8Value();
  const KernelSet* isa = kernelSetByName(name);
  if (!isa) refuse(info.Env(), "kernel set \"" + name + "\" is not available on this CPU");
  return isa;
}

int threadsArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), "threads must be a number");
  const int64_t threads = info[index].As<Napi::Number>().Int64Value();
  if (threads < 1 || threads > 256) refuse(info.Env(), "threads = " + std::to_string(threads) + " must be between 1 and 256");
  return int(threads);
}

Napi::Float32Array floats(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t atLeast, int64_t exactly) {
  const Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  const Napi::Float32Array a = v.As<Napi::Float32Array>();
  const int64_t length = int64_t(a.ElementLength());
  if ((exactly >= 0 && length != exactly) || length < atLeast) {
    refuse(info.Env(), std::string(name) + " has " + std::to_string(length) + " elements, the shape needs " +
                           std::to_string(exactly >= 0 ? exactly : atLeast) + (exactly >= 0 ? "" : " or more"));
  }
  return a;
}

bool overlap(const Napi::Float32Array& a, const Napi::Float32Array& b) {
  const float *x = a.Data(), *y = b.Data();
  return x < y + b.ElementLength() && y < x + a.ElementLength();
}

Napi::Value WeightGradientWorkspace(const Napi::CallbackInfo& info) {
  if (info.Length() != 3) throw Napi::TypeError::New(info.Env(), "weightGradientWorkspace(shape, kernelSet, threads) takes 3 arguments");
  const WeightGradientShape s = shapeArg(info);
  return Napi::Number::New(info.Env(), double(weightGradientWorkspaceFloats(s, kernelSetArg(info, 1), threadsArg(info, 2))));
}

Napi::Value WeightGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) {
    throw Napi::TypeError::New(env, "weightGradient(shape, kernelSet, x, gradOutput, gradWeight, workspace, threads) takes 7 arguments");
  }
  const WeightGradientShape s = shapeArg(info);
  const KernelSet* isa = kernelSetArg(info, 1);
  const int threads = threadsArg(info, 6);
  const int64_t inSize = s.in[0] * s.in[1] * s.in[2], outSize = s.out[0] * s.out[1] * s.out[2];
  const int64_t taps = s.kernel[0] * s.kernel[1] * s.kernel[2];
  const Napi::Float32Array x = floats(info, 2, "x", 0, s.batch * s.inChannels * inSize);
  const Napi::Float32Array gy = floats(info, 3, "gradOutput", 0, s.batch * s.outChannels * outSize);
  Napi::Float32Array dw = floats(info, 4, "gradWeight", 0, s.inChannels * (s.outChannels / s.groups) * taps);
  Napi::Float32Array workspace = floats(info, 5, "workspace", weightGradientWorkspaceFloats(s, isa, threads), -1);
  if (overlap(dw, x) || overlap(dw, gy) || overlap(dw, workspace) || overlap(workspace, x) || overlap(workspace, gy)) {
    refuse(env, "gradWeight and workspace must not share memory with each other or with the inputs");
  }
  weightGradient(s, isa, x.Data(), gy.Data(), dw.Data(), workspace.Data(), threads);
  return env.Undefined();
}

}  // namespace

void registerBackward(Napi::Env env, Napi::Object exports) {
  exports.Set("weightGradientWorkspace", Napi::Function::New(env, WeightGradientWorkspace));
  exports.Set("weightGradient", Napi::Function::New(env, WeightGradient));
}

}  // namespace tconv
