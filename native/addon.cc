// Module entry and the shared conversion helpers (see common.h).
#include "common.h"

#include <ATen/ScalarOps.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace medcl {

std::atomic<int64_t> g_live{0};
// bytes currently reported to V8 through napi_adjust_external_memory (for tests of what is reported)
static std::atomic<int64_t> g_reported{0};

static void report(Napi::BasicEnv env, int64_t bytes) {
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes);
  g_reported += bytes;
}

static const napi_type_tag kTensorTag = {0x6d6564636c54454eULL, 0x534f52a1b2c3d4e5ULL};
static const napi_type_tag kGeneratorTag = {0x6d6564636c47454eULL, 0x455241544f52f00dULL};

static int64_t countedBytes(const at::Tensor& t) {
  if (!t.defined()) return 0;
  int64_t n = static_cast<int64_t>(t.nbytes());
  if (t.has_storage()) n = std::min<int64_t>(n, static_cast<int64_t>(t.storage().nbytes()));
  return n;
}

Holder* holderOf(const Napi::Value& v) {
  bool ok = false;
  if (v.IsExternal()) napi_check_object_type_tag(v.Env(), v, &kTensorTag, &ok);
  if (!ok) throw Napi::TypeError::New(v.Env(), "expected a Tensor handle");
  return v.As<Napi::External<Holder>>().Data();
}

at::Tensor& T(const Napi::Value& v) {
  Holder* h = holderOf(v);
  if (!h->t.defined()) throw Napi::Error::New(v.Env(), "tensor was disposed");
  return h->t;
}

c10::optional<at::Tensor> OT(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  return T(v);
}

std::vector<at::Tensor> TL(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of tensors");
  auto a = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out.push_back(T(a.Get(i)));
  return out;
}

int64_t I(const Napi::Value& v, const char* what, int64_t min) {
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? 1 : 0;
  if (!v.IsNumber())
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an integer, got " + v.ToString().Utf8Value());
  const double d = v.As<Napi::Number>().DoubleValue();
  const bool integral = std::isfinite(d) && d == std::trunc(d) && std::abs(d) <= static_cast<double>(kMaxSafeInt);
  if (!integral || d < static_cast<double>(min)) {
    const std::string want = min > -kMaxSafeInt ? "an integer >= " + std::to_string(min) : "an integer";
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be " + want + ", got " + v.ToString().Utf8Value());
  }
  return static_cast<int64_t>(d);
}

c10::optional<int64_t> OI(const Napi::Value& v, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  return I(v, what);
}

double D(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

c10::optional<double> OD(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  return D(v);
}

bool B(const Napi::Value& v, bool dflt) {
  if (v.IsNull() || v.IsUndefined()) return dflt;
  return v.ToBoolean().Value();
}

std::string S(const Napi::Value& v) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), "expected a string");
  return v.As<Napi::String>().Utf8Value();
}

std::vector<int64_t> IL(const Napi::Value& v, const char* what, int64_t min) {
  if (v.IsNumber()) return {I(v, what, min)};
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an array of integers");
  auto a = v.As<Napi::Array>();
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    const std::string name = std::string(what) + "[" + std::to_string(i) + "]";
    out[i] = I(a.Get(i), name.c_str(), min);
  }
  return out;
}

std::vector<double> DL(const Napi::Value& v) {
  if (v.IsNumber()) return {D(v)};
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "expected an array of numbers");
  auto a = v.As<Napi::Array>();
  std::vector<double> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = D(a.Get(i));
  return out;
}

at::ScalarType DT(const Napi::Value& v) {
  const std::string s = S(v);
  if (s == "float32") return at::kFloat;
  if (s == "float64") return at::kDouble;
  if (s == "float16") return at::kHalf;
  if (s == "bfloat16") return at::kBFloat16;
  if (s == "int64") return at::kLong;
  if (s == "int32") return at::kInt;
  if (s == "int16") return at::kShort;
  if (s == "int8") return at::kChar;
  if (s == "uint8") return at::kByte;
  if (s == "bool") return at::kBool;
  throw Napi::TypeError::New(v.Env(), "unknown dtype '" + s + "'");
}

c10::optional<at::ScalarType> ODT(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  return DT(v);
}

std::string dtypeName(at::ScalarType s) {
  switch (s) {
    case at::kFloat: return "float32";
    case at::kDouble: return "float64";
    case at::kHalf: return "float16";
    case at::kBFloat16: return "bfloat16";
    case at::kLong: return "int64";
    case at::kInt: return "int32";
    case at::kShort: return "int16";
    case at::kChar: return "int8";
    case at::kByte: return "uint8";
    case at::kBool: return "bool";
    default: return c10::toString(s);
  }
}

at::Device DEV(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return at::Device(at::kCPU);
  return at::Device(S(v));
}

at::Scalar SC(const Napi::Value& v) {
  if (v.IsBoolean()) return at::Scalar(v.As<Napi::Boolean>().Value());
  const double d = D(v);
  // Integral numbers become integer scalars (as Python ints), so they also work on integer tensors.
  if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15) return at::Scalar(static_cast<int64_t>(d));
  return at::Scalar(d);
}

at::Tensor TS(const Napi::Value& v, const at::Tensor& like) {
  if (v.IsExternal()) return T(v);
  // A JS number behaves like a Python scalar: it does not promote float32 to float64.
  if (v.IsBoolean()) return at::native::wrapped_scalar_tensor(at::Scalar(v.As<Napi::Boolean>().Value()), like.device());
  const double d = D(v);
  if (std::isfinite(d) && d == std::floor(d) && std::abs(d) < 9.0e15 && !at::isFloatingType(like.scalar_type()))
    return at::native::wrapped_scalar_tensor(at::Scalar(static_cast<int64_t>(d)), like.device());
  return at::native::wrapped_scalar_tensor(at::Scalar(d), like.device());
}

c10::optional<at::Generator> OGEN(const Napi::Value& v) {
  if (v.IsNull() || v.IsUndefined()) return c10::nullopt;
  bool ok = false;
  if (v.IsExternal()) napi_check_object_type_tag(v.Env(), v, &kGeneratorTag, &ok);
  if (!ok) throw Napi::TypeError::New(v.Env(), "expected a Generator handle");
  return *v.As<Napi::External<at::Generator>>().Data();
}

Napi::Value wrapGenerator(Napi::Env env, at::Generator g) {
  auto ext = Napi::External<at::Generator>::New(env, new at::Generator(std::move(g)),
                                               [](Napi::BasicEnv, at::Generator* p) { delete p; });
  napi_type_tag_object(env, ext, &kGeneratorTag);
  return ext;
}

// A new handle reports nothing to V8: most tensors live inside a JS scope (tidy) that frees them deterministically,
// and reporting their bytes made V8 run a full garbage collection several times a training step (the activations
// of one step are hundreds of MiB) for nothing to collect. The JS side calls countExternal for the tensors whose
// lifetime is left to the garbage collector (created outside any scope, returned from the outermost, or kept).
Napi::Value W(Napi::Env env, at::Tensor t) {
  auto* h = new Holder{std::move(t), 0};
  if (h->t.defined()) g_live++;
  // A basic (GC-time) finalizer: it runs during garbage collection, not deferred to the event loop, so a
  // long synchronous training loop does not pile up unreleased handles.
  auto ext = Napi::External<Holder>::New(env, h, [](Napi::BasicEnv env, Holder* p) {
    if (p->counted) report(env, -p->counted);
    if (p->t.defined()) g_live--;
    delete p;
  });
  napi_type_tag_object(env, ext, &kTensorTag);
  return ext;
}

Napi::Value WL(Napi::Env env, const std::vector<at::Tensor>& ts) {
  auto a = Napi::Array::New(env, ts.size());
  for (size_t i = 0; i < ts.size(); ++i) a.Set(static_cast<uint32_t>(i), W(env, ts[i]));
  return a;
}

// The converters' argument errors (TypeError/RangeError) get the op's name in front, once.
static void prefixMessage(Napi::Error& e, const std::string& op) {
  try {
    Napi::Object o = e.Value();
    if (o.IsEmpty() || !o.IsObject()) return;
    const std::string m = e.Message();
    if (m.rfind(op + ": ", 0) != 0) o.Set("message", op + ": " + m);
  } catch (...) {
    // an error that is not an object keeps its message
  }
}

void def(Napi::Env env, Napi::Object exports, const char* name, Fn fn) {
  std::string opName(name);
  exports.Set(name, Napi::Function::New(
                        env,
                        [fn, opName](const Napi::CallbackInfo& info) -> Napi::Value {
                          try {
                            return fn(info);
                          } catch (Napi::Error& e) {
                            prefixMessage(e, opName);
                            throw;
                          } catch (const c10::Error& e) {
                            throw Napi::Error::New(info.Env(), opName + ": " + e.what_without_backtrace());
                          } catch (const std::exception& e) {
                            throw Napi::Error::New(info.Env(), opName + ": " + e.what());
                          }
                        },
                        name));
}

// Releases a handle's tensor now instead of at garbage collection.
static Napi::Value dispose(const Napi::CallbackInfo& info) {
  Holder* h = holderOf(info[0]);
  if (h->t.defined()) {
    g_live--;
    h->t = at::Tensor();
    if (h->counted) report(info.Env(), -h->counted);
    h->counted = 0;
  }
  return info.Env().Undefined();
}

// Reports a handle's bytes to V8 (once), so that garbage-collection pressure accounts for a tensor whose lifetime
// is left to the garbage collector.
static Napi::Value countExternal(const Napi::CallbackInfo& info) {
  Holder* h = holderOf(info[0]);
  if (h->t.defined() && h->counted == 0) {
    h->counted = countedBytes(h->t);
    if (h->counted) report(info.Env(), h->counted);
  }
  return info.Env().Undefined();
}

// Training allocates and frees the same large activation buffers every step. glibc serves blocks above its mmap
// threshold with fresh mmap/munmap each time, so every step pays page faults to re-zero them. Keeping blocks up to
// 256 MiB on the heap and not trimming it (as PyTorch's own CUDA caching allocator keeps device memory) removed that
// cost: +5-7% images/s on the U-Net encoder step, and 2.1x on a full U-Net fine-tuning step (widths 16-128, batch 10,
// 64x64, one thread: 392 -> 188 ms; a 32 MiB or 64 MiB threshold left it at 392 ms: oneDNN's backward buffers of that
// step are larger). RSS then stays at the peak instead of shrinking between steps.
// MEDCL_MALLOC_TUNING=0, or any MALLOC_* variable set by the user, leaves glibc's defaults alone.
static void tuneAllocator() {
#if defined(__GLIBC__)
  const char* opt = std::getenv("MEDCL_MALLOC_TUNING");
  if (opt && std::string(opt) == "0") return;
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_TOP_PAD_")) return;
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneAllocator();
  def(env, exports, "dispose", dispose);
  def(env, exports, "countExternal", countExternal);
  def(env, exports, "reportedExternalBytes", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(g_reported.load()));
  });
  def(env, exports, "isDisposed", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), !holderOf(info[0])->t.defined());
  });
  def(env, exports, "liveTensors", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(g_live.load()));
  });
  registerTensor(env, exports);
  registerMath(env, exports);
  registerShape(env, exports);
  registerNN(env, exports);
  registerAutograd(env, exports);
  registerRandom(env, exports);
  registerRuntime(env, exports);
  registerProfiler(env, exports);
  registerDistributed(env, exports);
  return exports;
}

}  // namespace medcl

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return medcl::Init(env, exports); }

NODE_API_MODULE(medcl_native, InitAll)
