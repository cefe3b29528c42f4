// Seeded random numbers: the global seed, and Generator objects passed to each sampling op.
#include "common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <mutex>

namespace medcl {

static at::TensorOptions opts(const Napi::Value& dtype, const Napi::Value& device, at::ScalarType dflt) {
  return at::TensorOptions().dtype(ODT(dtype).value_or(dflt)).device(DEV(device));
}

void registerRandom(Napi::Env env, Napi::Object e) {
  // manualSeed(seed): seeds the default generators (CPU, and every CUDA device when present).
  def(env, e, "manualSeed", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const uint64_t seed = static_cast<uint64_t>(I(info[0], "seed", 0));
    {
      auto gen = at::detail::getDefaultCPUGenerator();
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    if (at::hasCUDA()) {
      const int n = at::detail::getCUDAHooks().getNumGPUs();
      for (int i = 0; i < n; ++i) {
        auto gen = at::detail::getCUDAHooks().getDefaultCUDAGenerator(i);
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_current_seed(seed);
      }
    }
    return info.Env().Undefined();
  });
  // createGenerator(seed, device): an independent generator (a clone of the device's default, reseeded).
  def(env, e, "createGenerator", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto dev = DEV(info[1]);
    at::Generator g = dev.is_cpu() ? at::detail::createCPUGenerator(static_cast<uint64_t>(I(info[0], "seed", 0)))
                                   : at::globalContext().defaultGenerator(dev).clone();
    if (!dev.is_cpu()) {
      std::lock_guard<std::mutex> lock(g.mutex());
      g.set_current_seed(static_cast<uint64_t>(I(info[0], "seed", 0)));
    }
    return wrapGenerator(info.Env(), g);
  });
  def(env, e, "generatorGetState", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto g = *OGEN(info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    return W(info.Env(), g.get_state());
  });
  def(env, e, "generatorSetState", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto g = *OGEN(info[0]);
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(T(info[1]));
    return info.Env().Undefined();
  });
  // rand/randn(shape, gen|null, dtype, device)
  def(env, e, "rand", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::rand(IL(info[0]), OGEN(info[1]), opts(info[2], info[3], at::kFloat)));
  });
  def(env, e, "randn", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::randn(IL(info[0]), OGEN(info[1]), opts(info[2], info[3], at::kFloat)));
  });
  // randint(low, high, shape, gen|null, dtype, device): integers in [low, high)
  def(env, e, "randint", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::randint(I(info[0]), I(info[1]), IL(info[2]), OGEN(info[3]), opts(info[4], info[5], at::kLong)));
  });
  def(env, e, "randperm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::randperm(I(info[0]), OGEN(info[1]), opts(info[2], info[3], at::kLong)));
  });
  // uniform_(t, low, high, gen) / normal_(t, mean, std, gen): fill in place (initialisers)
  def(env, e, "uniform_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).uniform_(D(info[1]), D(info[2]), OGEN(info[3]));
    return info.Env().Undefined();
  });
  def(env, e, "normal_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).normal_(D(info[1]), D(info[2]), OGEN(info[3]));
    return info.Env().Undefined();
  });
  def(env, e, "bernoulli", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::bernoulli(T(info[0]), OGEN(info[1])));
  });
  def(env, e, "multinomial", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::multinomial(T(info[0]), I(info[1]), B(info[2]), OGEN(info[3])));
  });
}

}  // namespace medcl
