// Runtime: threads, devices, build configuration, autocast switches.
#include "common.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

namespace medcl {

void registerRuntime(Napi::Env env, Napi::Object e) {
  def(env, e, "setNumThreads", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const int64_t n = I(info[0], "threads", 1);
    at::set_num_threads(static_cast<int>(n));
    return info.Env().Undefined();
  });
  def(env, e, "getNumThreads", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), at::get_num_threads());
  });
  def(env, e, "cudaDeviceCount", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0);
  });
  def(env, e, "synchronize", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto dev = DEV(info[0]);
    if (dev.is_cuda()) at::detail::getCUDAHooks().deviceSynchronize(dev.has_index() ? dev.index() : 0);
    return info.Env().Undefined();
  });
  def(env, e, "version", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::String::New(info.Env(), TORCH_VERSION);
  });
  def(env, e, "buildConfig", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::String::New(info.Env(), at::show_config());
  });
  def(env, e, "hasMKLDNN", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), at::hasMKLDNN());
  });
  // setAutocast(deviceType "cpu"|"cuda", enabled, dtype): the autocast switches; the TS scope manages nesting.
  def(env, e, "setAutocast", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string dev = S(info[0]);
    const bool on = B(info[1]);
    if (dev == "cpu") {
      at::autocast::set_cpu_enabled(on);
      if (on) at::autocast::set_autocast_cpu_dtype(DT(info[2]));
    } else if (dev == "cuda") {
      at::autocast::set_enabled(on);
      if (on) at::autocast::set_autocast_gpu_dtype(DT(info[2]));
    } else {
      throw std::invalid_argument("setAutocast: device type must be cpu or cuda");
    }
    return info.Env().Undefined();
  });
  def(env, e, "isAutocastEnabled", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string dev = S(info[0]);
    return Napi::Boolean::New(info.Env(), dev == "cpu" ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled());
  });
  // Autocast caches casted weights inside a region; clear when the outermost region exits.
  def(env, e, "autocastExit", [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    return info.Env().Undefined();
  });
  def(env, e, "autocastEnter", [](const Napi::CallbackInfo& info) -> Napi::Value {
    at::autocast::increment_nesting();
    return info.Env().Undefined();
  });
}

}  // namespace medcl
