// Tensor creation, export, metadata, dtype/device moves and copies.
#include "common.h"

namespace medcl {

static at::TensorOptions opts(const Napi::Value& dtype, const Napi::Value& device, at::ScalarType dflt = at::kFloat) {
  auto o = at::TensorOptions().dtype(ODT(dtype).value_or(dflt)).device(DEV(device));
  return o;
}

// "contiguous" | "channelsLast" | "channelsLast3d" -> MemoryFormat
static at::MemoryFormat MF(const Napi::Value& v) {
  const std::string fmt = S(v);
  if (fmt == "channelsLast") return at::MemoryFormat::ChannelsLast;
  if (fmt == "channelsLast3d") return at::MemoryFormat::ChannelsLast3d;
  if (fmt == "contiguous") return at::MemoryFormat::Contiguous;
  throw std::invalid_argument("memory format must be contiguous, channelsLast or channelsLast3d, got " + fmt);
}

void registerTensor(Napi::Env env, Napi::Object e) {
  // fromBuffer(typedArray, shape, dtype, device): copies the bytes into a new tensor.
  def(env, e, "fromBuffer", [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (!info[0].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "fromBuffer: expected a typed array");
    auto ta = info[0].As<Napi::TypedArray>();
    const auto shape = IL(info[1]);
    const auto dtype = DT(info[2]);
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(dtype));
    const size_t want = t.nbytes();
    if (ta.ByteLength() != want)
      throw Napi::RangeError::New(info.Env(), "fromBuffer: buffer has " + std::to_string(ta.ByteLength()) +
                                                  " bytes, shape and dtype need " + std::to_string(want));
    auto* src = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
    if (want) std::memcpy(t.data_ptr(), src, want);
    const auto dev = DEV(info[3]);
    if (dev.type() != at::kCPU) t = t.to(dev);
    return W(info.Env(), t);
  });
  // toBuffer(t): a new ArrayBuffer holding a contiguous CPU copy.
  def(env, e, "toBuffer", [](const Napi::CallbackInfo& info) -> Napi::Value {
    at::Tensor t = T(info[0]).detach().to(at::kCPU).contiguous();
    auto ab = Napi::ArrayBuffer::New(info.Env(), t.nbytes());
    if (t.nbytes()) std::memcpy(ab.Data(), t.data_ptr(), t.nbytes());
    return ab;
  });
  def(env, e, "full", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::full(IL(info[0]), SC(info[1]), opts(info[2], info[3])));
  });
  def(env, e, "empty", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::empty(IL(info[0]), opts(info[1], info[2])));
  });
  def(env, e, "arange", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::arange(SC(info[0]), SC(info[1]), SC(info[2]), opts(info[3], info[4], at::kLong)));
  });
  def(env, e, "linspace", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::linspace(SC(info[0]), SC(info[1]), I(info[2]), opts(info[3], info[4])));
  });
  def(env, e, "eye", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::eye(I(info[0]), opts(info[1], info[2])));
  });
  def(env, e, "fullLike", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    return W(info.Env(), at::full_like(t, SC(info[1]), t.options().dtype(ODT(info[2]).value_or(t.scalar_type()))));
  });

  // ---- metadata ----
  def(env, e, "shape", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto sizes = T(info[0]).sizes();
    auto a = Napi::Array::New(info.Env(), sizes.size());
    for (size_t i = 0; i < sizes.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), sizes[i]));
    return a;
  });
  def(env, e, "strides", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto st = T(info[0]).strides();
    auto a = Napi::Array::New(info.Env(), st.size());
    for (size_t i = 0; i < st.size(); ++i) a.Set(static_cast<uint32_t>(i), Napi::Number::New(info.Env(), st[i]));
    return a;
  });
  def(env, e, "dtype", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::String::New(info.Env(), dtypeName(T(info[0]).scalar_type()));
  });
  def(env, e, "device", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::String::New(info.Env(), T(info[0]).device().str());
  });
  def(env, e, "numel", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(T(info[0]).numel()));
  });
  def(env, e, "isContiguous", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    const std::string fmt = info[1].IsString() ? S(info[1]) : "contiguous";
    if (fmt == "channelsLast") return Napi::Boolean::New(info.Env(), t.is_contiguous(at::MemoryFormat::ChannelsLast));
    if (fmt == "channelsLast3d")
      return Napi::Boolean::New(info.Env(), t.is_contiguous(at::MemoryFormat::ChannelsLast3d));
    return Napi::Boolean::New(info.Env(), t.is_contiguous());
  });
  def(env, e, "item", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto s = T(info[0]).item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    return Napi::Number::New(info.Env(), s.toDouble());
  });

  // ---- moves and copies ----
  // to(t, dtype|null, device|null, copy, memoryFormat?): as torch's Tensor.to; with a memory format it copies unless
  // the tensor's strides already suggest that format (unlike contiguous(), which keeps an ambiguous tensor as it is:
  // a [16, 1, 3, 3] weight is "channels-last contiguous" in NCHW strides, yet convolutions read it as NCHW)
  def(env, e, "to", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    const auto dtype = ODT(info[1]).value_or(t.scalar_type());
    const auto dev = (info[2].IsNull() || info[2].IsUndefined()) ? t.device() : DEV(info[2]);
    const auto mf = info[4].IsString() ? c10::optional<at::MemoryFormat>(MF(info[4])) : c10::nullopt;
    return W(info.Env(), t.to(dev, dtype, /*non_blocking=*/false, /*copy=*/B(info[3]), mf));
  });
  def(env, e, "clone", [](const Napi::CallbackInfo& info) -> Napi::Value { return W(info.Env(), T(info[0]).clone()); });
  // contiguous(t, format): "contiguous" | "channelsLast" | "channelsLast3d"
  def(env, e, "contiguous", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).contiguous(info[1].IsString() ? MF(info[1]) : at::MemoryFormat::Contiguous));
  });
  def(env, e, "detach", [](const Napi::CallbackInfo& info) -> Napi::Value { return W(info.Env(), T(info[0]).detach()); });
  def(env, e, "copy_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).copy_(T(info[1]));
    return info.Env().Undefined();
  });
  def(env, e, "fill_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).fill_(SC(info[1]));
    return info.Env().Undefined();
  });
  def(env, e, "zero_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).zero_();
    return info.Env().Undefined();
  });
  // setData(param, src): param now holds src's data, keeping its autograd identity (PyTorch's `param.data = src`).
  def(env, e, "setData", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).set_data(T(info[1]));
    return info.Env().Undefined();
  });
  // Same storage, same sizes/strides/offset: lets TypeScript tell views of one tensor apart from copies.
  def(env, e, "sameData", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& a = T(info[0]);
    auto& b = T(info[1]);
    return Napi::Boolean::New(info.Env(), a.is_same(b) || (a.data_ptr() == b.data_ptr() && a.sizes() == b.sizes() &&
                                                            a.strides() == b.strides()));
  });
}

}  // namespace medcl
