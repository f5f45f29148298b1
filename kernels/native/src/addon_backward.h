// Registers the backward kernels' Node-API functions (addon_backward.cc) on the addon's exports.
#pragma once
#include <napi.h>

namespace tconv {

void registerBackward(Napi::Env env, Napi::Object exports);

}  // namespace tconv
