// Node-API surface of the element-wise kernels (eltwise.h), registered by addon.cc's Init.
#pragma once
#include <napi.h>

namespace tconv {

void registerEltwise(Napi::Env env, Napi::Object exports);

}  // namespace tconv
