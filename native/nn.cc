// Neural-network ops: convolution, pooling, normalisation, activations, interpolation, dropout,
// losses, affine_grid/grid_sample.
#include "common.h"

namespace medcl {

static int64_t interpMode(const std::string& m) {  // grid_sampler's enum
  if (m == "bilinear") return 0;
  if (m == "nearest") return 1;
  if (m == "bicubic") return 2;
  throw std::invalid_argument("unknown interpolation mode '" + m + "'");
}
static int64_t padMode(const std::string& m) {
  if (m == "zeros") return 0;
  if (m == "border") return 1;
  if (m == "reflection") return 2;
  throw std::invalid_argument("unknown padding mode '" + m + "'");
}
static int64_t reduction(const std::string& r) {
  if (r == "none") return at::Reduction::None;
  if (r == "mean") return at::Reduction::Mean;
  if (r == "sum") return at::Reduction::Sum;
  throw std::invalid_argument("unknown reduction '" + r + "'");
}

void registerNN(Napi::Env env, Napi::Object e) {
  // conv(x, w, b|null, stride[], padding[], dilation[], transposed, outputPadding[], groups):
  // conv1d/2d/3d and their transposes, like torch.nn.functional.conv*d.
  def(env, e, "conv", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& x = T(info[0]);
    auto& w = T(info[1]);
    const bool transposed = B(info[6]);
    const auto stride = IL(info[3], "stride", 1), padding = IL(info[4], "padding", 0);
    const auto dilation = IL(info[5], "dilation", 1), outPad = IL(info[7], "outputPadding", 0);
    const int64_t groups = I(info[8], "groups", 1);
    const auto b = OT(info[2]);
    at::Tensor y;
    const int64_t nd = w.dim() - 2;
    if (!transposed) {
      if (nd == 1) y = at::conv1d(x, w, b, stride, padding, dilation, groups);
      else if (nd == 2) y = at::conv2d(x, w, b, stride, padding, dilation, groups);
      else if (nd == 3) y = at::conv3d(x, w, b, stride, padding, dilation, groups);
      else throw std::invalid_argument("conv: weight must have 3, 4 or 5 dims");
    } else {
      if (nd == 1) y = at::conv_transpose1d(x, w, b, stride, padding, outPad, groups, dilation);
      else if (nd == 2) y = at::conv_transpose2d(x, w, b, stride, padding, outPad, groups, dilation);
      else if (nd == 3) y = at::conv_transpose3d(x, w, b, stride, padding, outPad, groups, dilation);
      else throw std::invalid_argument("conv: weight must have 3, 4 or 5 dims");
    }
    return W(info.Env(), y);
  });
  // maxPool(x, kernel[], stride[], padding[], dilation[], ceilMode)
  def(env, e, "maxPool", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& x = T(info[0]);
    const auto k = IL(info[1], "kernelSize", 1), s = IL(info[2], "stride", 1), p = IL(info[3], "padding", 0);
    const auto d = IL(info[4], "dilation", 1);
    const bool ceil = B(info[5]);
    if (k.size() == 1) return W(info.Env(), at::max_pool1d(x, k, s, p, d, ceil));
    if (k.size() == 2) return W(info.Env(), at::max_pool2d(x, k, s, p, d, ceil));
    return W(info.Env(), at::max_pool3d(x, k, s, p, d, ceil));
  });
  // avgPool(x, kernel[], stride[], padding[], ceilMode, countIncludePad)
  def(env, e, "avgPool", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& x = T(info[0]);
    const auto k = IL(info[1], "kernelSize", 1), s = IL(info[2], "stride", 1), p = IL(info[3], "padding", 0);
    const bool ceil = B(info[4]), inc = B(info[5], true);
    if (k.size() == 1) return W(info.Env(), at::avg_pool1d(x, k, s, p, ceil, inc));
    if (k.size() == 2) return W(info.Env(), at::avg_pool2d(x, k, s, p, ceil, inc));
    return W(info.Env(), at::avg_pool3d(x, k, s, p, ceil, inc));
  });
  def(env, e, "adaptiveAvgPool", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& x = T(info[0]);
    const auto size = IL(info[1], "outputSize", 1);
    if (size.size() == 1) return W(info.Env(), at::adaptive_avg_pool1d(x, size));
    if (size.size() == 2) return W(info.Env(), at::adaptive_avg_pool2d(x, size));
    return W(info.Env(), at::adaptive_avg_pool3d(x, size));
  });
  // batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps): updates running stats in place.
  def(env, e, "batchNorm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::batch_norm(T(info[0]), OT(info[1]), OT(info[2]), OT(info[3]), OT(info[4]), B(info[5]),
                                        D(info[6]), D(info[7]), /*cudnn_enabled=*/true));
  });
  // instanceNorm(x, weight, bias, runningMean, runningVar, useInputStats, momentum, eps)
  def(env, e, "instanceNorm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::instance_norm(T(info[0]), OT(info[1]), OT(info[2]), OT(info[3]), OT(info[4]),
                                           B(info[5], true), D(info[6]), D(info[7]), /*cudnn_enabled=*/true));
  });
  def(env, e, "groupNorm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::group_norm(T(info[0]), I(info[1], "groups", 1), OT(info[2]), OT(info[3]), D(info[4]), true));
  });
  def(env, e, "layerNorm", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::layer_norm(T(info[0]), IL(info[1]), OT(info[2]), OT(info[3]), D(info[4]), true));
  });
  def(env, e, "leakyRelu", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::leaky_relu(T(info[0]), SC(info[1])));
  });
  def(env, e, "elu", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::elu(T(info[0]), SC(info[1])));
  });
  // In-place activations for memory-lean blocks: relu_/leakyRelu_/elu_ on a tensor not needed by autograd.
  def(env, e, "activation_", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string op = S(info[0]);
    auto& t = T(info[1]);
    if (op == "relu") at::relu_(t);
    else if (op == "leakyRelu") at::leaky_relu_(t, SC(info[2]));
    else if (op == "elu") at::elu_(t, SC(info[2]));
    else if (op == "sigmoid") t.sigmoid_();
    else throw std::invalid_argument("unknown in-place activation " + op);
    return info.Env().Undefined();
  });
  def(env, e, "softmax", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::softmax(T(info[0]), I(info[1]), ODT(info[2])));
  });
  def(env, e, "logSoftmax", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::log_softmax(T(info[0]), I(info[1]), ODT(info[2])));
  });
  // interpolate(x, size[], mode, alignCorners): nearest (1/2/3d), linear, bilinear, bicubic, trilinear.
  def(env, e, "interpolate", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& x = T(info[0]);
    const auto size = IL(info[1], "size", 1);
    const std::string mode = S(info[2]);
    const bool ac = B(info[3]);
    if (mode == "nearest") {
      if (size.size() == 1) return W(info.Env(), at::upsample_nearest1d(x, size));
      if (size.size() == 2) return W(info.Env(), at::upsample_nearest2d(x, size));
      return W(info.Env(), at::upsample_nearest3d(x, size));
    }
    if (mode == "linear") return W(info.Env(), at::upsample_linear1d(x, size, ac));
    if (mode == "bilinear") return W(info.Env(), at::upsample_bilinear2d(x, size, ac));
    if (mode == "bicubic") return W(info.Env(), at::upsample_bicubic2d(x, size, ac));
    if (mode == "trilinear") return W(info.Env(), at::upsample_trilinear3d(x, size, ac));
    throw std::invalid_argument("interpolate: unknown mode '" + mode + "'");
  });
  // dropout(x, p, train, feature): feature=true drops whole channels (Dropout2d/3d). Uses the global generator.
  def(env, e, "dropout", [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (B(info[3])) return W(info.Env(), at::feature_dropout(T(info[0]), D(info[1]), B(info[2])));
    return W(info.Env(), at::dropout(T(info[0]), D(info[1]), B(info[2])));
  });
  // crossEntropy(logits, target, weight|null, reduction, ignoreIndex, labelSmoothing): class indices or probabilities.
  def(env, e, "crossEntropy", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::cross_entropy_loss(T(info[0]), T(info[1]), OT(info[2]), reduction(S(info[3])),
                                                I(info[4]), D(info[5])));
  });
  def(env, e, "nllLoss", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::nll_loss_nd(T(info[0]), T(info[1]), OT(info[2]), reduction(S(info[3])), I(info[4])));
  });
  def(env, e, "bceWithLogits", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::binary_cross_entropy_with_logits(T(info[0]), T(info[1]), OT(info[2]), OT(info[3]),
                                                              reduction(S(info[4]))));
  });
  def(env, e, "mseLoss", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::mse_loss(T(info[0]), T(info[1]), reduction(S(info[2]))));
  });
  // affineGrid(theta, size[], alignCorners): 2D (N,2,3) or 3D (N,3,4)
  def(env, e, "affineGrid", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::affine_grid_generator(T(info[0]), IL(info[1]), B(info[2])));
  });
  // gridSample(x, grid, mode, paddingMode, alignCorners)
  def(env, e, "gridSample", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), at::grid_sampler(T(info[0]), T(info[1]), interpMode(S(info[2])), padMode(S(info[3])),
                                          B(info[4])));
  });
}

}  // namespace medcl
