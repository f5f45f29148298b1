{
  "targets": [
    {
      "target_name": "tconv_native",
      "sources": [
        "src/addon.cc",
        "src/plan.cc",
        "src/engine.cc",
        "src/cpu.cc",
        "src/workspace.cc",
        "src/layout.cc",
        "src/cost.cc",
        "src/pack.cc",
        "src/autotune.cc",
        "src/runners.cc",
        "src/depthwise_pairs.cc",
        "src/depthwise_avx512.cc",
        "src/depthwise_avx2.cc",
        "src/winograd.cc",
        "src/winograd_avx2.cc",
        "src/schedule.cc",
        "src/subsample.cc",
        "src/channel_vector.cc",
        "src/channel_vector_avx2.cc",
        "src/channel_vector_avx512.cc",
        "src/space_to_depth.cc",
        "src/space_to_depth_avx512.cc",
        "src/threadpool.cc",
        "src/ukernel_check.cc",
        "src/ukernel_scalar.cc",
        "src/ukernel_avx2.cc",
        "src/ukernel_avx512.cc",
        "src/backward_weight.cc",
        "src/backward_gather_avx2.cc",
        "src/addon_backward.cc",
        "src/eltwise_avx2.cc",
        "src/eltwise_portable.cc",
        "src/addon_eltwise.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "cflags": ["-O3"]
    }
  ]
}
