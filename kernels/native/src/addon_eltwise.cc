// Node-API surface of the element-wise kernels (eltwise.h), registered by addon.cc's Init. Every argument is checked
// before a kernel reads or writes anything; an output may be an input exactly (in place) but not overlap it partly.
//
//   eltwiseMap(kernelSet, code, alpha, x, out)                      out[i] = f(x[i])
//   eltwiseAdd(kernelSet, code, alpha, a, b, out)                   out[i] = f(a[i] + b[i])
//   eltwisePrelu(kernelSet, x, slope, inner, out)                   blocks of inner values, block k: slope[k % C]
//   eltwiseGroupNorm(kernelSet, x, blocks, blockSize, channels, inner, epsilon, scale | null, shift | null, code,
//                    alpha, out)
//   eltwiseSoftmax(kernelSet, x, length, out)                       softmax of each row of `length` values
//   eltwiseAffine(kernelSet, x, a, b, divide, out)                  out[i] = a·x[i] + b, or x[i]/a + b
//   eltwiseMatmul(kernelSet, a, b, m, k, n, transA, transB, out)    out (m×n) = a (m×k) · b (k×n), sums in double;
//                                                                    a stored k×m (transA), b stored n×k (transB)
//   eltwiseUpsample2x(kernelSet, x, width, out)                      nearest ×2 in 2D (rows of `width` values)
//   eltwiseMaxPool2x2(kernelSet, x, planes, inRows, inWidth, outRows, outWidth, out)   2×2 windows of stride 2
//   eltwiseDepthToSpace(kernelSet, x, planes, h, w, b, out)          DepthToSpace CRD (PixelShuffle)
//
// kernelSet names a convolution kernel set (eltwiseFor picks its element-wise set); code and alpha as
// ACTIVATION_CODES (0 none … 5 silu).
#include "addon_eltwise.h"

#include <cmath>
#include <string>
#include <vector>

#include "cpu.h"
#include "eltwise.h"

namespace tconv {
namespace {

[[noreturn]] void refuse(const Napi::Env& env, const std::string& message) { throw Napi::RangeError::New(env, message); }

const EltwiseKernels& setArg(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), "kernelSet must be a string");
  const std::string name = info[index].As<Napi::String>().Utf8Value();
  const KernelSet* isa = kernelSetByName(name);
  if (!isa) refuse(info.Env(), "kernel set \"" + name + "\" is not available on this CPU");
  return *eltwiseFor(isa);
}

Napi::Float32Array floatsArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  const Napi::Value v = info[index];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>();
}

const float* optionalFloats(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t length) {
  if (info[index].IsNull()) return nullptr;
  const Napi::Float32Array a = floatsArg(info, index, name);
  if (int64_t(a.ElementLength()) != length) refuse(info.Env(), std::string(name) + " must hold " + std::to_string(length) + " values (one per channel)");
  return a.Data();
}

double numberArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  const double v = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v)) refuse(info.Env(), std::string(name) + " must be finite");
  return v;
}

int64_t countArg(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t least) {
  const double v = numberArg(info, index, name);
  if (v != std::floor(v) || v < double(least) || v > 9e15) refuse(info.Env(), std::string(name) + " must be an integer ≥ " + std::to_string(least));
  return int64_t(v);
}

int codeArg(const Napi::CallbackInfo& info, size_t index) {
  const double v = numberArg(info, index, "activation");
  if (v != std::floor(v) || v < 0 || v >= kActivationCodes) refuse(info.Env(), "activation = " + std::to_string(v) + " must be 0 (none) … 5 (silu)");
  return int(v);
}

// The output: as long as `length`, and either one of the inputs exactly or apart from all of them.
float* outputArg(const Napi::CallbackInfo& info, size_t index, int64_t length, std::initializer_list<Napi::Float32Array> inputs) {
  Napi::Float32Array out = floatsArg(info, index, "out");
  if (int64_t(out.ElementLength()) != length) refuse(info.Env(), "out has " + std::to_string(out.ElementLength()) + " values but the input has " + std::to_string(length));
  const char* o = reinterpret_cast<const char*>(out.Data());
  for (const Napi::Float32Array& in : inputs) {
    const char* i = reinterpret_cast<const char*>(in.Data());
    const bool apart = o + out.ByteLength() <= i || i + in.ByteLength() <= o || length == 0;
    if (!apart && !(i == o && in.ByteLength() == out.ByteLength())) refuse(info.Env(), "out overlaps an input without being it");
  }
  return out.Data();
}

Napi::Value Map(const Napi::CallbackInfo& info) {
  if (info.Length() != 5) throw Napi::TypeError::New(info.Env(), "eltwiseMap(kernelSet, code, alpha, x, out) takes 5 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const int code = codeArg(info, 1);
  const double alpha = numberArg(info, 2, "alpha");
  const Napi::Float32Array x = floatsArg(info, 3, "x");
  const int64_t n = int64_t(x.ElementLength());
  float* out = outputArg(info, 4, n, {x});
  k.map(code, alpha, x.Data(), out, n);
  return info.Env().Undefined();
}

Napi::Value Add(const Napi::CallbackInfo& info) {
  if (info.Length() != 6) throw Napi::TypeError::New(info.Env(), "eltwiseAdd(kernelSet, code, alpha, a, b, out) takes 6 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const int code = codeArg(info, 1);
  const double alpha = numberArg(info, 2, "alpha");
  const Napi::Float32Array a = floatsArg(info, 3, "a");
  const Napi::Float32Array b = floatsArg(info, 4, "b");
  const int64_t n = int64_t(a.ElementLength());
  if (int64_t(b.ElementLength()) != n) refuse(info.Env(), "a and b must have the same length");
  float* out = outputArg(info, 5, n, {a, b});
  k.add(code, alpha, a.Data(), b.Data(), out, n);
  return info.Env().Undefined();
}

Napi::Value Prelu(const Napi::CallbackInfo& info) {
  if (info.Length() != 5) throw Napi::TypeError::New(info.Env(), "eltwisePrelu(kernelSet, x, slope, inner, out) takes 5 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const Napi::Float32Array slope = floatsArg(info, 2, "slope");
  const int64_t inner = countArg(info, 3, "inner", 1);
  const int64_t n = int64_t(x.ElementLength());
  if (slope.ElementLength() == 0) refuse(info.Env(), "slope must hold at least one value");
  if (n % inner != 0) refuse(info.Env(), "x's length must be a multiple of inner");
  float* out = outputArg(info, 4, n, {x, slope});
  k.prelu(x.Data(), slope.Data(), int64_t(slope.ElementLength()), inner, out, n);
  return info.Env().Undefined();
}

Napi::Value GroupNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 12) throw Napi::TypeError::New(env, "eltwiseGroupNorm(kernelSet, x, blocks, blockSize, channels, inner, epsilon, scale, shift, code, alpha, out) takes 12 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const int64_t blocks = countArg(info, 2, "blocks", 0);
  const int64_t blockSize = countArg(info, 3, "blockSize", 1);
  const int64_t channels = countArg(info, 4, "channels", 1);
  const int64_t inner = countArg(info, 5, "inner", 1);
  const double epsilon = numberArg(info, 6, "epsilon");
  if (blocks * blockSize != int64_t(x.ElementLength())) refuse(env, "blocks · blockSize must be x's length");
  if (blockSize % inner != 0 || channels % (blockSize / inner) != 0) refuse(env, "a block must hold whole channels (blockSize = k·inner, channels a multiple of k)");
  const float* scale = optionalFloats(info, 7, "scale", channels);
  const float* shift = optionalFloats(info, 8, "shift", channels);
  const int code = codeArg(info, 9);
  const double alpha = numberArg(info, 10, "alpha");
  float* out = outputArg(info, 11, int64_t(x.ElementLength()), {x});
  k.groupNorm(x.Data(), blocks, blockSize, channels, inner, epsilon, scale, shift, code, alpha, out);
  return env.Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  if (info.Length() != 4) throw Napi::TypeError::New(info.Env(), "eltwiseSoftmax(kernelSet, x, length, out) takes 4 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const int64_t length = countArg(info, 2, "length", 1);
  const int64_t n = int64_t(x.ElementLength());
  if (n % length != 0) refuse(info.Env(), "x's length must be a multiple of length (whole rows)");
  float* out = outputArg(info, 3, n, {x});
  k.softmax(x.Data(), n / length, length, out);
  return info.Env().Undefined();
}

Napi::Value Affine(const Napi::CallbackInfo& info) {
  if (info.Length() != 6) throw Napi::TypeError::New(info.Env(), "eltwiseAffine(kernelSet, x, a, b, divide, out) takes 6 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  if (!info[2].IsNumber() || !info[3].IsNumber()) throw Napi::TypeError::New(info.Env(), "a and b must be numbers");
  // Any doubles (a scalar operand may be ±∞ or NaN: the result is then what the double arithmetic gives).
  const double a = info[2].As<Napi::Number>().DoubleValue();
  const double b = info[3].As<Napi::Number>().DoubleValue();
  if (!info[4].IsBoolean()) throw Napi::TypeError::New(info.Env(), "divide must be a boolean");
  const bool divide = info[4].As<Napi::Boolean>().Value();
  const int64_t n = int64_t(x.ElementLength());
  float* out = outputArg(info, 5, n, {x});
  k.affine(x.Data(), a, b, divide, out, n);
  return info.Env().Undefined();
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 9) throw Napi::TypeError::New(env, "eltwiseMatmul(kernelSet, a, b, m, k, n, transA, transB, out) takes 9 arguments");
  const EltwiseKernels& kernels = setArg(info, 0);
  const Napi::Float32Array a = floatsArg(info, 1, "a");
  const Napi::Float32Array b = floatsArg(info, 2, "b");
  const int64_t m = countArg(info, 3, "m", 0);
  const int64_t k = countArg(info, 4, "k", 0);
  const int64_t n = countArg(info, 5, "n", 0);
  if (!info[6].IsBoolean() || !info[7].IsBoolean()) throw Napi::TypeError::New(env, "transA and transB must be booleans");
  const bool transA = info[6].As<Napi::Boolean>().Value();
  const bool transB = info[7].As<Napi::Boolean>().Value();
  if (int64_t(a.ElementLength()) != m * k) refuse(env, "a must hold m·k values");
  if (int64_t(b.ElementLength()) != k * n) refuse(env, "b must hold k·n values");
  Napi::Float32Array out = floatsArg(info, 8, "out");
  if (int64_t(out.ElementLength()) != m * n) refuse(env, "out must hold m·n values");
  // The output is written while the operands are still read: it may not share memory with them at all.
  const char* o = reinterpret_cast<const char*>(out.Data());
  for (const Napi::Float32Array& in : {a, b}) {
    const char* i = reinterpret_cast<const char*>(in.Data());
    if (m * n > 0 && in.ByteLength() > 0 && o < i + in.ByteLength() && i < o + out.ByteLength()) refuse(env, "out overlaps an operand");
  }
  const float* rows = b.Data();
  if (transB) {
    // B stored n×k: its rows laid out k×n once (the kernel loads B's rows as vectors); kept between calls.
    static thread_local std::vector<float> scratch;
    scratch.resize(size_t(k * n));
    for (int64_t j = 0; j < n; j++)
      for (int64_t p = 0; p < k; p++) scratch[size_t(p * n + j)] = rows[j * k + p];
    rows = scratch.data();
  }
  kernels.matmul(a.Data(), transA, rows, m, k, n, out.Data());
  return env.Undefined();
}

// The output of a copy op is written while its input is read: it may not share memory with it at all.
float* apartOutput(const Napi::CallbackInfo& info, size_t index, int64_t length, const Napi::Float32Array& in) {
  Napi::Float32Array out = floatsArg(info, index, "out");
  if (int64_t(out.ElementLength()) != length) refuse(info.Env(), "out must hold " + std::to_string(length) + " values");
  const char* o = reinterpret_cast<const char*>(out.Data());
  const char* i = reinterpret_cast<const char*>(in.Data());
  if (length > 0 && in.ByteLength() > 0 && o < i + in.ByteLength() && i < o + out.ByteLength()) refuse(info.Env(), "out overlaps the input");
  return out.Data();
}

Napi::Value Upsample2x(const Napi::CallbackInfo& info) {
  if (info.Length() != 4) throw Napi::TypeError::New(info.Env(), "eltwiseUpsample2x(kernelSet, x, width, out) takes 4 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const int64_t width = countArg(info, 2, "width", 1);
  const int64_t n = int64_t(x.ElementLength());
  if (n % width != 0) refuse(info.Env(), "x's length must be a multiple of width (whole rows)");
  float* out = apartOutput(info, 3, 4 * n, x);
  k.upsample2x(x.Data(), n / width, width, out);
  return info.Env().Undefined();
}

Napi::Value MaxPool2x2(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, "eltwiseMaxPool2x2(kernelSet, x, planes, inRows, inWidth, outRows, outWidth, out) takes 8 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const int64_t planes = countArg(info, 2, "planes", 0);
  const int64_t inRows = countArg(info, 3, "inRows", 0);
  const int64_t inWidth = countArg(info, 4, "inWidth", 0);
  const int64_t outRows = countArg(info, 5, "outRows", 0);
  const int64_t outWidth = countArg(info, 6, "outWidth", 0);
  if (planes * inRows * inWidth != int64_t(x.ElementLength())) refuse(env, "x must hold planes · inRows · inWidth values");
  if (2 * outRows > inRows || 2 * outWidth > inWidth) refuse(env, "every 2×2 window must lie inside the input (2·outRows ≤ inRows, 2·outWidth ≤ inWidth)");
  float* out = apartOutput(info, 7, planes * outRows * outWidth, x);
  k.maxPool2x2(x.Data(), planes, inRows, inWidth, outRows, outWidth, out);
  return env.Undefined();
}

Napi::Value DepthToSpace(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7) throw Napi::TypeError::New(env, "eltwiseDepthToSpace(kernelSet, x, planes, h, w, b, out) takes 7 arguments");
  const EltwiseKernels& k = setArg(info, 0);
  const Napi::Float32Array x = floatsArg(info, 1, "x");
  const int64_t planes = countArg(info, 2, "planes", 0);
  const int64_t h = countArg(info, 3, "h", 0);
  const int64_t w = countArg(info, 4, "w", 0);
  const int64_t b = countArg(info, 5, "b", 1);
  if (planes * b * b * h * w != int64_t(x.ElementLength())) refuse(env, "x must hold planes · b² · h · w values");
  float* out = apartOutput(info, 6, int64_t(x.ElementLength()), x);
  k.depthToSpace(x.Data(), planes, h, w, b, out);
  return env.Undefined();
}

}  // namespace

void registerEltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("eltwiseMap", Napi::Function::New(env, Map));
  exports.Set("eltwiseAdd", Napi::Function::New(env, Add));
  exports.Set("eltwisePrelu", Napi::Function::New(env, Prelu));
  exports.Set("eltwiseGroupNorm", Napi::Function::New(env, GroupNorm));
  exports.Set("eltwiseSoftmax", Napi::Function::New(env, Softmax));
  exports.Set("eltwiseAffine", Napi::Function::New(env, Affine));
  exports.Set("eltwiseMatmul", Napi::Function::New(env, Matmul));
  exports.Set("eltwiseUpsample2x", Napi::Function::New(env, Upsample2x));
  exports.Set("eltwiseMaxPool2x2", Napi::Function::New(env, MaxPool2x2));
  exports.Set("eltwiseDepthToSpace", Napi::Function::New(env, DepthToSpace));
}

}  // namespace tconv
