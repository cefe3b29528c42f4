// Shared helpers of the medcl addon: tensor handles, argument conversion, and the error boundary.
// The addon is a thin, generic binding: every exported function converts arguments, calls one ATen op,
// and wraps the result. Models, losses and training logic live in TypeScript.
#pragma once

#include <ATen/ATen.h>
#include <cmath>
#include <napi.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace medcl {

// A JS tensor handle is a type-tagged napi External owning one of these.
struct Holder {
  at::Tensor t;
  int64_t counted = 0;  // bytes reported to V8 via napi_adjust_external_memory
};

extern std::atomic<int64_t> g_live;  // live (undisposed) holders, for leak checks

// ---- conversion JS -> C++ -------------------------------------------------
Holder* holderOf(const Napi::Value& v);
at::Tensor& T(const Napi::Value& v);                    // a tensor argument (throws TypeError otherwise)
c10::optional<at::Tensor> OT(const Napi::Value& v);     // null/undefined -> nullopt
std::vector<at::Tensor> TL(const Napi::Value& v);       // array of tensors
// Integer arguments: a JS number that is a safe integer (|n| <= 2^53 - 1) and >= `min`, or a boolean (0/1).
// Anything else (2.7, NaN, +-Infinity, 2^60, a string) is refused with an error naming `what`, never truncated;
// def() prefixes the op's name.
constexpr int64_t kMaxSafeInt = 9007199254740991;  // Number.MAX_SAFE_INTEGER
int64_t I(const Napi::Value& v, const char* what = "integer argument", int64_t min = -kMaxSafeInt);
c10::optional<int64_t> OI(const Napi::Value& v, const char* what = "integer argument");
double D(const Napi::Value& v);
c10::optional<double> OD(const Napi::Value& v);
bool B(const Napi::Value& v, bool dflt = false);
std::string S(const Napi::Value& v);
// array of integers (a single number -> {n}); entry i is named `what[i]`
std::vector<int64_t> IL(const Napi::Value& v, const char* what = "integer list", int64_t min = -kMaxSafeInt);
std::vector<double> DL(const Napi::Value& v);
at::ScalarType DT(const Napi::Value& v);                // dtype name -> ScalarType
c10::optional<at::ScalarType> ODT(const Napi::Value& v);
at::Device DEV(const Napi::Value& v);                   // "cpu", "cuda", "cuda:1"; undefined -> cpu
at::Scalar SC(const Napi::Value& v);                    // number or boolean -> Scalar
at::Tensor TS(const Napi::Value& v, const at::Tensor& like);  // tensor, or number as a wrapped scalar
c10::optional<at::Generator> OGEN(const Napi::Value& v);

// ---- conversion C++ -> JS -------------------------------------------------
Napi::Value W(Napi::Env env, at::Tensor t);             // wrap a tensor as a new handle
Napi::Value WL(Napi::Env env, const std::vector<at::Tensor>& ts);
std::string dtypeName(at::ScalarType s);
Napi::Value wrapGenerator(Napi::Env env, at::Generator g);

// ---- registration with the error boundary ---------------------------------
// Every libtorch error (c10::Error, std::exception) becomes a JS Error carrying the libtorch message;
// the process never aborts.
using Fn = std::function<Napi::Value(const Napi::CallbackInfo&)>;
void def(Napi::Env env, Napi::Object exports, const char* name, Fn fn);

void registerTensor(Napi::Env env, Napi::Object exports);
void registerMath(Napi::Env env, Napi::Object exports);
void registerShape(Napi::Env env, Napi::Object exports);
void registerNN(Napi::Env env, Napi::Object exports);
void registerAutograd(Napi::Env env, Napi::Object exports);
void registerRandom(Napi::Env env, Napi::Object exports);
void registerProfiler(Napi::Env env, Napi::Object exports);
void registerRuntime(Napi::Env env, Napi::Object exports);
void registerDistributed(Napi::Env env, Napi::Object exports);

}  // namespace medcl
