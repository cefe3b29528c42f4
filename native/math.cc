// Elementwise arithmetic and math, comparisons, where/clamp, in-place updates, reductions, matmul.
#include "common.h"

#include <unordered_map>

namespace medcl {

using Unary = at::Tensor (*)(const at::Tensor&);
using Binary = at::Tensor (*)(const at::Tensor&, const at::Tensor&);

static const std::unordered_map<std::string, Unary>& unaryOps() {
  static const std::unordered_map<std::string, Unary> m = {
      {"neg", [](const at::Tensor& a) { return at::neg(a); }},
      {"abs", [](const at::Tensor& a) { return at::abs(a); }},
      {"exp", [](const at::Tensor& a) { return at::exp(a); }},
      {"log", [](const at::Tensor& a) { return at::log(a); }},
      {"log1p", [](const at::Tensor& a) { return at::log1p(a); }},
      {"expm1", [](const at::Tensor& a) { return at::expm1(a); }},
      {"sqrt", [](const at::Tensor& a) { return at::sqrt(a); }},
      {"rsqrt", [](const at::Tensor& a) { return at::rsqrt(a); }},
      {"square", [](const at::Tensor& a) { return at::square(a); }},
      {"reciprocal", [](const at::Tensor& a) { return at::reciprocal(a); }},
      {"sin", [](const at::Tensor& a) { return at::sin(a); }},
      {"cos", [](const at::Tensor& a) { return at::cos(a); }},
      {"tanh", [](const at::Tensor& a) { return at::tanh(a); }},
      {"sigmoid", [](const at::Tensor& a) { return at::sigmoid(a); }},
      {"relu", [](const at::Tensor& a) { return at::relu(a); }},
      {"gelu", [](const at::Tensor& a) { return at::gelu(a); }},
      {"softplus", [](const at::Tensor& a) { return at::softplus(a); }},
      {"erf", [](const at::Tensor& a) { return at::erf(a); }},
      {"sign", [](const at::Tensor& a) { return at::sign(a); }},
      {"floor", [](const at::Tensor& a) { return at::floor(a); }},
      {"ceil", [](const at::Tensor& a) { return at::ceil(a); }},
      {"round", [](const at::Tensor& a) { return at::round(a); }},
      {"trunc", [](const at::Tensor& a) { return at::trunc(a); }},
      {"logicalNot", [](const at::Tensor& a) { return at::logical_not(a); }},
      {"isnan", [](const at::Tensor& a) { return at::isnan(a); }},
      {"isfinite", [](const at::Tensor& a) { return at::isfinite(a); }},
      {"nonzero", [](const at::Tensor& a) { return at::nonzero(a); }},
  };
  return m;
}

static const std::unordered_map<std::string, Binary>& binaryOps() {
  static const std::unordered_map<std::string, Binary> m = {
      {"add", [](const at::Tensor& a, const at::Tensor& b) { return at::add(a, b); }},
      {"sub", [](const at::Tensor& a, const at::Tensor& b) { return at::sub(a, b); }},
      {"mul", [](const at::Tensor& a, const at::Tensor& b) { return at::mul(a, b); }},
      {"div", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b); }},
      {"floorDivide", [](const at::Tensor& a, const at::Tensor& b) { return at::div(a, b, "floor"); }},
      {"remainder", [](const at::Tensor& a, const at::Tensor& b) { return at::remainder(a, b); }},
      {"pow", [](const at::Tensor& a, const at::Tensor& b) { return at::pow(a, b); }},
      {"maximum", [](const at::Tensor& a, const at::Tensor& b) { return at::maximum(a, b); }},
      {"minimum", [](const at::Tensor& a, const at::Tensor& b) { return at::minimum(a, b); }},
      {"atan2", [](const at::Tensor& a, const at::Tensor& b) { return at::atan2(a, b); }},
      {"eq", [](const at::Tensor& a, const at::Tensor& b) { return at::eq(a, b); }},
      {"ne", [](const at::Tensor& a, const at::Tensor& b) { return at::ne(a, b); }},
      {"lt", [](const at::Tensor& a, const at::Tensor& b) { return at::lt(a, b); }},
      {"le", [](const at::Tensor& a, const at::Tensor& b) { return at::le(a, b); }},
      {"gt", [](const at::Tensor& a, const at::Tensor& b) { return at::gt(a, b); }},
      {"ge", [](const at::Tensor& a, const at::Tensor& b) { return at::ge(a, b); }},
      {"logicalAnd", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_and(a, b); }},
      {"logicalOr", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_or(a, b); }},
      {"logicalXor", [](const at::Tensor& a, const at::Tensor& b) { return at::logical_xor(a, b); }},
  };
  return m;
}

// Reduction over dims (empty = all) with keepdim.
using Reduce = at::Tensor (*)(const at::Tensor&, at::IntArrayRef, bool);
static const std::unordered_map<std::string, Reduce>& reduceOps() {
  static const std::unordered_map<std::string, Reduce> m = {
      {"sum", [](const at::Tensor& a, at::IntArrayRef d, bool k) { return at::sum(a, d, k); }},
      {"mean", [](const at::Tensor& a, at::IntArrayRef d, bool k) { return at::mean(a, d, k); }},
      {"amax", [](const at::Tensor& a, at::IntArrayRef d, bool k) { return at::amax(a, d, k); }},
      {"amin", [](const at::Tensor& a, at::IntArrayRef d, bool k) { return at::amin(a, d, k); }},
      {"logsumexp", [](const at::Tensor& a, at::IntArrayRef d, bool k) { return at::logsumexp(a, d, k); }},
      {"all", [](const at::Tensor& a, at::IntArrayRef d, bool k) {
         at::Tensor r = a;
         if (d.empty()) return at::all(a);
         std::vector<int64_t> ds(d.begin(), d.end());
         std::sort(ds.rbegin(), ds.rend());
         for (auto x : ds) r = at::all(r, x, k);
         return r;
       }},
      {"any", [](const at::Tensor& a, at::IntArrayRef d, bool k) {
         at::Tensor r = a;
         if (d.empty()) return at::any(a);
         std::vector<int64_t> ds(d.begin(), d.end());
         std::sort(ds.rbegin(), ds.rend());
         for (auto x : ds) r = at::any(r, x, k);
         return r;
       }},
  };
  return m;
}

void registerMath(Napi::Env env, Napi::Object e) {
  // unary(name, t)
  def(env, e, "unary", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto& m = unaryOps();
    auto it = m.find(S(info[0]));
    if (it == m.end()) throw Napi::Error::New(info.Env(), "unknown unary op " + S(info[0]));
    return W(info.Env(), it->second(T(info[1])));
  });
  // binary(name, a, b): b may be a tensor or a number (a wrapped scalar, as in Python).
  def(env, e, "binary", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto& m = binaryOps();
    auto it = m.find(S(info[0]));
    if (it == m.end()) throw Napi::Error::New(info.Env(), "unknown binary op " + S(info[0]));
    if (info[1].IsNumber()) {  // number op tensor
      auto& b = T(info[2]);
      return W(info.Env(), it->second(TS(info[1], b), b));
    }
    auto& a = T(info[1]);
    return W(info.Env(), it->second(a, TS(info[2], a)));
  });
  // addScaled(a, b, alpha) = a + alpha*b
  def(env, e, "addScaled", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& a = T(info[0]);
    return W(info.Env(), at::add(a, TS(info[1], a), SC(info[2])));
  });
  def(env, e, "clamp", [](const Napi::CallbackInfo& info) -> Napi::Value {
    c10::optional<at::Scalar> lo, hi;
    if (!info[1].IsNull() && !info[1].IsUndefined()) lo = SC(info[1]);
    if (!info[2].IsNull() && !info[2].IsUndefined()) hi = SC(info[2]);
    return W(info.Env(), at::clamp(T(info[0]), lo, hi));
  });
  // where(cond, a, b): a and b tensors or numbers.
  def(env, e, "where", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& c = T(info[0]);
    if (info[1].IsExternal()) {
      auto& a = T(info[1]);
      return W(info.Env(), at::where(c, a, TS(info[2], a)));
    }
    if (info[2].IsExternal()) {
      auto& b = T(info[2]);
      return W(info.Env(), at::where(c, TS(info[1], b), b));
    }
    return W(info.Env(), at::where(c, SC(info[1]), SC(info[2])));
  });
  def(env, e, "maskedFill", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::masked_fill(T(info[0]), T(info[1]), SC(info[2])));
  });
  def(env, e, "lerp", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::lerp(T(info[0]), T(info[1]), SC(info[2])));
  });

  // ---- in-place updates (optimisers, EMA encoders, queues) ----
  // inplace(name, t, other, alpha): add_/sub_/mul_/div_ with tensor or number
  def(env, e, "inplace", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string op = S(info[0]);
    auto& t = T(info[1]);
    if (op == "add_" || op == "sub_") {
      const at::Scalar alpha = (info[3].IsUndefined() || info[3].IsNull()) ? at::Scalar(1) : SC(info[3]);
      if (info[2].IsExternal())
        op == "add_" ? t.add_(T(info[2]), alpha) : t.sub_(T(info[2]), alpha);
      else
        op == "add_" ? t.add_(SC(info[2]), alpha) : t.sub_(SC(info[2]), alpha);
    } else if (op == "mul_") {
      info[2].IsExternal() ? t.mul_(T(info[2])) : t.mul_(SC(info[2]));
    } else if (op == "div_") {
      info[2].IsExternal() ? t.div_(T(info[2])) : t.div_(SC(info[2]));
    } else if (op == "lerp_") {
      t.lerp_(T(info[2]), SC(info[3]));
    } else if (op == "clampMin_") {
      t.clamp_min_(SC(info[2]));
    } else if (op == "sqrt_") {
      t.sqrt_();
    } else if (op == "maximum_") {
      at::maximum_out(t, t, T(info[2]));
    } else {
      throw Napi::Error::New(info.Env(), "unknown in-place op " + op);
    }
    return info.Env().Undefined();
  });
  // addcmul_(t, a, b, value): t += value*a*b ; addcdiv_(t, a, b, value): t += value*a/b
  def(env, e, "addcmul_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).addcmul_(T(info[1]), T(info[2]), SC(info[3]));
    return info.Env().Undefined();
  });
  def(env, e, "addcdiv_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).addcdiv_(T(info[1]), T(info[2]), SC(info[3]));
    return info.Env().Undefined();
  });
  // Multi-tensor updates: one call for a whole parameter list (optimisers, EMA).
  // foreachLerp_(targets, sources, weight): t = t + w*(s - t)
  def(env, e, "foreachLerp_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto ts = TL(info[0]);
    auto ss = TL(info[1]);
    if (ts.size() != ss.size()) throw Napi::Error::New(info.Env(), "foreachLerp_: list lengths differ");
    const at::Scalar w = SC(info[2]);
    for (size_t i = 0; i < ts.size(); ++i) ts[i].lerp_(ss[i], w);
    return info.Env().Undefined();
  });

  // ---- reductions ----
  // reduce(name, t, dims|null, keepdim)
  def(env, e, "reduce", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto& m = reduceOps();
    auto it = m.find(S(info[0]));
    if (it == m.end()) throw Napi::Error::New(info.Env(), "unknown reduction " + S(info[0]));
    std::vector<int64_t> dims;
    if (!info[2].IsNull() && !info[2].IsUndefined()) dims = IL(info[2]);
    auto& t = T(info[1]);
    if (dims.empty() && (S(info[0]) == "amax" || S(info[0]) == "amin" || S(info[0]) == "logsumexp")) {
      for (int64_t d = 0; d < t.dim(); ++d) dims.push_back(d);
    }
    return W(info.Env(), it->second(t, dims, B(info[3])));
  });
  // maxDim/minDim(t, dim, keepdim) -> [values, indices]
  def(env, e, "maxDim", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto r = at::max(T(info[0]), I(info[1]), B(info[2]));
    return WL(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
  def(env, e, "minDim", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto r = at::min(T(info[0]), I(info[1]), B(info[2]));
    return WL(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
  def(env, e, "argmax", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::argmax(T(info[0]), OI(info[1]), B(info[2])));
  });
  def(env, e, "argmin", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::argmin(T(info[0]), OI(info[1]), B(info[2])));
  });
  // varStd(which, t, dims|null, correction, keepdim)
  def(env, e, "varStd", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[1]);
    c10::optional<at::IntArrayRef> dims;
    std::vector<int64_t> d;
    if (!info[2].IsNull() && !info[2].IsUndefined()) {
      d = IL(info[2]);
      dims = at::IntArrayRef(d);
    }
    const int64_t corr = I(info[3]);
    const bool keep = B(info[4]);
    return W(info.Env(), S(info[0]) == "std" ? at::std(t, dims, corr, keep) : at::var(t, dims, corr, keep));
  });
  // norm(t, p, dims|null, keepdim)
  def(env, e, "norm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    const at::Scalar p = SC(info[1]);
    if (info[2].IsNull() || info[2].IsUndefined()) return W(info.Env(), at::norm(t, p));
    return W(info.Env(), at::norm(t, p, IL(info[2]), B(info[3])));
  });
  def(env, e, "cumsum", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::cumsum(T(info[0]), I(info[1])));
  });
  def(env, e, "sort", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto r = at::sort(T(info[0]), /*stable=*/true, I(info[1]), B(info[2]));
    return WL(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });
  def(env, e, "topk", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto r = at::topk(T(info[0]), I(info[1]), I(info[2]), B(info[3], true), true);
    return WL(info.Env(), {std::get<0>(r), std::get<1>(r)});
  });

  // ---- linear algebra ----
  def(env, e, "matmul", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::matmul(T(info[0]), T(info[1])));
  });
  def(env, e, "bmm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::bmm(T(info[0]), T(info[1])));
  });
  def(env, e, "linear", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::linear(T(info[0]), T(info[1]), OT(info[2])));
  });
  def(env, e, "einsum", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::einsum(S(info[0]), TL(info[1])));
  });
  def(env, e, "linalgSolve", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::linalg_solve(T(info[0]), T(info[1])));
  });
}

}  // namespace medcl
