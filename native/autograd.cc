// Autograd: requires_grad, backward, grad, autograd.grad, and the grad-mode switch behind `noGrad`.
#include "common.h"

#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/function.h>

namespace medcl {

void registerAutograd(Napi::Env env, Napi::Object e) {
  def(env, e, "setRequiresGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).requires_grad_(B(info[1]));
    return info.Env().Undefined();
  });
  def(env, e, "requiresGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), T(info[0]).requires_grad());
  });
  def(env, e, "isLeaf", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), T(info[0]).is_leaf());
  });
  def(env, e, "gradFn", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto fn = T(info[0]).grad_fn();
    if (!fn) return info.Env().Null();
    return Napi::String::New(info.Env(), fn->name());
  });
  def(env, e, "grad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto& g = T(info[0]).grad();
    if (!g.defined()) return info.Env().Null();
    return W(info.Env(), g);
  });
  def(env, e, "setGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    if (info[1].IsNull() || info[1].IsUndefined()) t.mutable_grad().reset();
    else t.mutable_grad() = T(info[1]);
    return info.Env().Undefined();
  });
  def(env, e, "retainGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).retain_grad();
    return info.Env().Undefined();
  });
  // backward(t, gradient|null, retainGraph, createGraph)
  def(env, e, "backward", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    const auto g = OT(info[1]);
    c10::optional<bool> retain;
    if (!info[2].IsUndefined() && !info[2].IsNull()) retain = B(info[2]);
    t.backward(g.has_value() ? *g : at::Tensor(), retain, B(info[3]));
    return info.Env().Undefined();
  });
  // grad(outputs[], inputs[], gradOutputs[]|null, retainGraph, createGraph, allowUnused) -> (Tensor|null)[]
  def(env, e, "autogradGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto outs = TL(info[0]);
    auto ins = TL(info[1]);
    std::vector<at::Tensor> gouts;
    if (!info[2].IsNull() && !info[2].IsUndefined()) gouts = TL(info[2]);
    c10::optional<bool> retain;
    if (!info[3].IsUndefined() && !info[3].IsNull()) retain = B(info[3]);
    auto r = torch::autograd::grad(outs, ins, gouts, retain, B(info[4]), B(info[5]));
    auto a = Napi::Array::New(info.Env(), r.size());
    for (size_t i = 0; i < r.size(); ++i)
      a.Set(static_cast<uint32_t>(i), r[i].defined() ? W(info.Env(), r[i]) : info.Env().Null());
    return a;
  });
  def(env, e, "isGradEnabled", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
  });
  def(env, e, "setGradEnabled", [](const Napi::CallbackInfo& info) -> Napi::Value {
    c10::GradMode::set_enabled(B(info[0]));
    return info.Env().Undefined();
  });
}

}  // namespace medcl
