// Shape, layout and indexing: reshape/permute/cat/stack/slice/index_select/gather/scatter/masked ops, padding.
#include "common.h"

namespace medcl {

void registerShape(Napi::Env env, Napi::Object e) {
  def(env, e, "reshape", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).reshape(IL(info[1])));
  });
  def(env, e, "view", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).view(IL(info[1])));
  });
  def(env, e, "permute", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).permute(IL(info[1])));
  });
  def(env, e, "transpose", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).transpose(I(info[1]), I(info[2])));
  });
  def(env, e, "squeeze", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    if (info[1].IsNull() || info[1].IsUndefined()) return W(info.Env(), t.squeeze());
    return W(info.Env(), t.squeeze(I(info[1])));
  });
  def(env, e, "unsqueeze", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).unsqueeze(I(info[1])));
  });
  def(env, e, "flatten", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).flatten(I(info[1]), I(info[2])));
  });
  def(env, e, "expand", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).expand(IL(info[1])));
  });
  def(env, e, "repeat", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).repeat(IL(info[1])));
  });
  def(env, e, "cat", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::cat(TL(info[0]), I(info[1])));
  });
  def(env, e, "stack", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::stack(TL(info[0]), I(info[1])));
  });
  // split(t, sizeOrSizes, dim) -> tensors
  def(env, e, "split", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    if (info[1].IsNumber()) return WL(info.Env(), t.split(I(info[1]), I(info[2])));
    return WL(info.Env(), t.split_with_sizes(IL(info[1]), I(info[2])));
  });
  def(env, e, "chunk", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return WL(info.Env(), T(info[0]).chunk(I(info[1]), I(info[2])));
  });
  def(env, e, "unbind", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return WL(info.Env(), T(info[0]).unbind(I(info[1])));
  });
  // slice(t, dim, start, end, step): a view
  def(env, e, "slice", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).slice(I(info[1]), OI(info[2]), OI(info[3]), info[4].IsUndefined() ? 1 : I(info[4])));
  });
  def(env, e, "select", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), T(info[0]).select(I(info[1]), I(info[2])));
  });
  def(env, e, "indexSelect", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::index_select(T(info[0]), I(info[1]), T(info[2])));
  });
  def(env, e, "gather", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::gather(T(info[0]), I(info[1]), T(info[2])));
  });
  // scatter(t, dim, index, src|number, reduce?) -> new tensor
  def(env, e, "scatter", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& t = T(info[0]);
    const int64_t dim = I(info[1]);
    auto& idx = T(info[2]);
    if (info[3].IsExternal()) return W(info.Env(), at::scatter(t, dim, idx, T(info[3])));
    return W(info.Env(), at::scatter(t, dim, idx, SC(info[3])));
  });
  def(env, e, "scatterAdd", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::scatter_add(T(info[0]), I(info[1]), T(info[2]), T(info[3])));
  });
  // indexCopy_(t, dim, index, src): in place (queues write keys at rows)
  def(env, e, "indexCopy_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    T(info[0]).index_copy_(I(info[1]), T(info[2]), T(info[3]));
    return info.Env().Undefined();
  });
  def(env, e, "indexAdd", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::index_add(T(info[0]), I(info[1]), T(info[2]), T(info[3])));
  });
  def(env, e, "maskedSelect", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::masked_select(T(info[0]), T(info[1])));
  });
  def(env, e, "maskedScatter", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::masked_scatter(T(info[0]), T(info[1]), T(info[2])));
  });
  def(env, e, "flip", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::flip(T(info[0]), IL(info[1])));
  });
  def(env, e, "roll", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::roll(T(info[0]), IL(info[1]), IL(info[2])));
  });
  def(env, e, "tril", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::tril(T(info[0]), info[1].IsUndefined() ? 0 : I(info[1])));
  });
  def(env, e, "triu", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::triu(T(info[0]), info[1].IsUndefined() ? 0 : I(info[1])));
  });
  def(env, e, "diagonal", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::diagonal(T(info[0]), I(info[1]), I(info[2]), I(info[3])));
  });
  def(env, e, "oneHot", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::one_hot(T(info[0]), I(info[1])));
  });
  def(env, e, "pixelShuffle", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::pixel_shuffle(T(info[0]), I(info[1])));
  });
  def(env, e, "pixelUnshuffle", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::pixel_unshuffle(T(info[0]), I(info[1])));
  });
  // pad(t, pads (last dim first, as torch.nn.functional.pad), mode, value)
  def(env, e, "pad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string mode = S(info[2]);
    auto& t = T(info[0]);
    const auto pads = IL(info[1]);
    if (mode == "constant") return W(info.Env(), at::constant_pad_nd(t, pads, SC(info[3])));
    const size_t n = pads.size() / 2;
    if (mode == "reflect") {
      if (n == 1) return W(info.Env(), at::reflection_pad1d(t, pads));
      if (n == 2) return W(info.Env(), at::reflection_pad2d(t, pads));
      if (n == 3) return W(info.Env(), at::reflection_pad3d(t, pads));
    }
    if (mode == "replicate") {
      if (n == 1) return W(info.Env(), at::replication_pad1d(t, pads));
      if (n == 2) return W(info.Env(), at::replication_pad2d(t, pads));
      if (n == 3) return W(info.Env(), at::replication_pad3d(t, pads));
    }
    throw Napi::Error::New(info.Env(), "pad: unsupported mode '" + mode + "' for " + std::to_string(n) + " dims");
  });
}

}  // namespace medcl
