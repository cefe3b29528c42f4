{
  "targets": [
    {
      "target_name": "medcl_native",
      "sources": [
        "native/addon.cc",
        "native/tensor.cc",
        "native/math.cc",
        "native/shape.cc",
        "native/nn.cc",
        "native/autograd.cc",
        "native/random.cc",
        "native/runtime.cc",
        "native/profiler.cc",
        "native/distributed.cc"
      ],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/find-libtorch.cjs include)"
      ],
      "defines": [
        "NAPI_EXPERIMENTAL",
        "NAPI_CPP_EXCEPTIONS",
        "<!@(node native/find-libtorch.cjs defines)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<!(node native/find-libtorch.cjs libdir)",
        "-Wl,-rpath,<!(node native/find-libtorch.cjs libdir)",
        "<!@(node native/find-libtorch.cjs libs)"
      ]
    }
  ]
}
