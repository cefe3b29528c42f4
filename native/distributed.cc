// Distributed: libtorch's c10d stores (TCPStore, FileStore), the Gloo process group, and its collectives on CPU
// tensors (all_reduce, all_gather, broadcast, barrier), plus all_gather with a gradient (the backward of
// torch.distributed.nn.all_gather: the local slice of the gradient summed over ranks). Every call blocks until the
// collective completes or its timeout passes; errors (a timeout, a peer that closed its connection) become JS errors.
// Built without Gloo (MEDCL_GLOO undefined: its headers were absent) the functions exist and throw saying so.
// NCCL is not bound: Debian's libtorch 1.13 is built without it.
#include "common.h"

#include <chrono>

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/functions/utils.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MEDCL_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif

namespace medcl {

using StorePtr = c10::intrusive_ptr<c10d::Store>;
using GroupPtr = c10::intrusive_ptr<c10d::ProcessGroup>;

static const napi_type_tag kStoreTag = {0x6d6564636c53544fULL, 0x5245c10d00000001ULL};
static const napi_type_tag kGroupTag = {0x6d6564636c50474cULL, 0x4f4fc10d00000002ULL};

template <typename P>
static Napi::Value wrapPtr(Napi::Env env, P p, const napi_type_tag* tag) {
  auto ext = Napi::External<P>::New(env, new P(std::move(p)), [](Napi::BasicEnv, P* q) { delete q; });
  napi_type_tag_object(env, ext, tag);
  return ext;
}

template <typename P>
static P& unwrapPtr(const Napi::Value& v, const napi_type_tag* tag, const char* what) {
  bool ok = false;
  if (v.IsExternal()) napi_check_object_type_tag(v.Env(), v, tag, &ok);
  if (!ok) throw Napi::TypeError::New(v.Env(), std::string("expected a ") + what + " handle");
  P& p = *v.As<Napi::External<P>>().Data();
  if (!p) throw Napi::Error::New(v.Env(), std::string(what) + " was shut down");
  return p;
}

static StorePtr& STORE(const Napi::Value& v) { return unwrapPtr<StorePtr>(v, &kStoreTag, "Store"); }
static GroupPtr& GROUP(const Napi::Value& v) { return unwrapPtr<GroupPtr>(v, &kGroupTag, "ProcessGroup"); }

static std::chrono::milliseconds MS(const Napi::Value& v) { return std::chrono::milliseconds(I(v)); }

// Waits for a collective; a failure or a timeout rethrows the collective's own error.
static void finish(const c10::intrusive_ptr<c10d::Work>& work, std::chrono::milliseconds timeout) {
  work->wait(timeout);
}

static c10d::ReduceOp reduceOp(const std::string& op) {
  if (op == "sum" || op == "avg") return c10d::ReduceOp::SUM;  // Gloo has no AVG: sum, then divide
  if (op == "max") return c10d::ReduceOp::MAX;
  if (op == "min") return c10d::ReduceOp::MIN;
  if (op == "product") return c10d::ReduceOp::PRODUCT;
  throw std::invalid_argument("unknown reduce op '" + op + "' (sum, avg, max, min, product)");
}

// all_gather of equal-shaped tensors, concatenated along dim 0 (rank-major).
static at::Tensor gatherCat(const GroupPtr& pg, const at::Tensor& x, std::chrono::milliseconds timeout) {
  auto input = x.contiguous();
  std::vector<std::vector<at::Tensor>> out(1);
  for (int i = 0; i < pg->getSize(); ++i) out[0].push_back(at::empty_like(input));
  std::vector<at::Tensor> in{input};
  finish(pg->allgather(out, in), timeout);
  return at::cat(out[0], 0);
}

// The backward of all_gather with gradient: sum the incoming gradient over ranks, keep this rank's rows.
struct AllGatherBackward : public torch::autograd::Node {
  GroupPtr pg;
  int64_t rows = 0;
  std::chrono::milliseconds timeout{0};
  torch::autograd::variable_list apply(torch::autograd::variable_list&& grads) override {
    at::Tensor g = grads[0].defined() ? grads[0].contiguous().clone() : at::Tensor();
    TORCH_CHECK(g.defined(), "allGatherWithGrad backward: undefined gradient");
    std::vector<at::Tensor> v{g};
    finish(pg->allreduce(v), timeout);
    return {g.narrow(0, pg->getRank() * rows, rows)};
  }
  std::string name() const override { return "AllGatherBackward"; }
};

static void registerStores(Napi::Env env, Napi::Object e) {
  // storeTCP(host, port, isServer, worldSize, timeoutMs) -> Store
  def(env, e, "storeTCP", [](const Napi::CallbackInfo& info) -> Napi::Value {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(I(info[1]));
    o.isServer = B(info[2]);
    o.numWorkers = static_cast<std::size_t>(I(info[3]));
    o.waitWorkers = false;
    o.timeout = MS(info[4]);
    StorePtr s = c10::make_intrusive<c10d::TCPStore>(S(info[0]), o);
    return wrapPtr(info.Env(), s, &kStoreTag);
  });
  // storeFile(path, worldSize, timeoutMs) -> Store
  def(env, e, "storeFile", [](const Napi::CallbackInfo& info) -> Napi::Value {
    StorePtr s = c10::make_intrusive<c10d::FileStore>(S(info[0]), static_cast<int>(I(info[1])));
    s->setTimeout(MS(info[2]));
    return wrapPtr(info.Env(), s, &kStoreTag);
  });
  def(env, e, "storeSet", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const std::string v = S(info[2]);
    STORE(info[0])->set(S(info[1]), std::vector<uint8_t>(v.begin(), v.end()));
    return info.Env().Undefined();
  });
  def(env, e, "storeGet", [](const Napi::CallbackInfo& info) -> Napi::Value {
    const auto v = STORE(info[0])->get(S(info[1]));
    return Napi::String::New(info.Env(), std::string(v.begin(), v.end()));
  });
  def(env, e, "storeAdd", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(STORE(info[0])->add(S(info[1]), I(info[2]))));
  });
  def(env, e, "storeCheck", [](const Napi::CallbackInfo& info) -> Napi::Value {
    std::vector<std::string> keys{S(info[1])};
    return Napi::Boolean::New(info.Env(), STORE(info[0])->check(keys));
  });
  def(env, e, "storeShutdown", [](const Napi::CallbackInfo& info) -> Napi::Value {
    STORE(info[0]).reset();
    return info.Env().Undefined();
  });
}

static void registerCollectives(Napi::Env env, Napi::Object e) {
  def(env, e, "pgRank", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), GROUP(info[0])->getRank());
  });
  def(env, e, "pgSize", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), GROUP(info[0])->getSize());
  });
  // pgAllReduce(pg, tensors[], op, timeoutMs): in place on every tensor
  def(env, e, "pgAllReduce", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& pg = GROUP(info[0]);
    auto ts = TL(info[1]);
    const std::string op = S(info[2]);
    for (auto& t : ts) TORCH_CHECK(t.is_contiguous(), "pgAllReduce: tensors must be contiguous");
    for (auto& t : ts) {
      std::vector<at::Tensor> one{t};
      finish(pg->allreduce(one, c10d::AllreduceOptions{reduceOp(op)}), MS(info[3]));
      if (op == "avg") t.div_(pg->getSize());
    }
    return info.Env().Undefined();
  });
  // pgAllGather(pg, tensor, timeoutMs) -> the ranks' tensors concatenated along dim 0
  def(env, e, "pgAllGather", [](const Napi::CallbackInfo& info) -> Napi::Value {
    return W(info.Env(), gatherCat(GROUP(info[0]), T(info[1]), MS(info[2])));
  });
  // pgAllGatherGrad(pg, tensor, timeoutMs): as pgAllGather, differentiable (backward: all-reduce sum, own slice)
  def(env, e, "pgAllGatherGrad", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& pg = GROUP(info[0]);
    auto& x = T(info[1]);
    TORCH_CHECK(x.dim() >= 1, "pgAllGatherGrad: need a tensor with at least one dimension");
    at::Tensor out;
    {
      at::NoGradGuard guard;
      out = gatherCat(pg, x.detach(), MS(info[2]));
    }
    if (c10::GradMode::is_enabled() && x.requires_grad()) {
      auto node = std::shared_ptr<AllGatherBackward>(new AllGatherBackward(), torch::autograd::deleteNode);
      node->pg = pg;
      node->rows = x.size(0);
      node->timeout = MS(info[2]);
      node->set_next_edges(torch::autograd::collect_next_edges(x));
      torch::autograd::set_history(out, node);
    }
    return W(info.Env(), out);
  });
  // pgBroadcast(pg, tensors[], root, timeoutMs): in place
  def(env, e, "pgBroadcast", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto& pg = GROUP(info[0]);
    auto ts = TL(info[1]);
    for (auto& t : ts) TORCH_CHECK(t.is_contiguous(), "pgBroadcast: tensors must be contiguous");
    for (auto& t : ts) {
      std::vector<at::Tensor> one{t};
      c10d::BroadcastOptions o;
      o.rootRank = I(info[2]);
      finish(pg->broadcast(one, o), MS(info[3]));
    }
    return info.Env().Undefined();
  });
  def(env, e, "pgBarrier", [](const Napi::CallbackInfo& info) -> Napi::Value {
    finish(GROUP(info[0])->barrier(), MS(info[1]));
    return info.Env().Undefined();
  });
  def(env, e, "pgShutdown", [](const Napi::CallbackInfo& info) -> Napi::Value {
    GROUP(info[0]).reset();
    return info.Env().Undefined();
  });
}

void registerDistributed(Napi::Env env, Napi::Object e) {
  registerStores(env, e);
  registerCollectives(env, e);
  def(env, e, "distributedBackends", [](const Napi::CallbackInfo& info) -> Napi::Value {
    auto a = Napi::Array::New(info.Env());
#ifdef MEDCL_GLOO
    a.Set(0u, Napi::String::New(info.Env(), "gloo"));
#endif
    return a;
  });
  // pgGloo(store, rank, size, timeoutMs, hostname|null, threads) -> ProcessGroup (rendezvous through the store)
  def(env, e, "pgGloo", [](const Napi::CallbackInfo& info) -> Napi::Value {
#ifdef MEDCL_GLOO
    auto opts = c10d::ProcessGroupGloo::Options::create(MS(info[3]));
    if (info[4].IsString())
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(S(info[4])));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    opts->threads = static_cast<int>(I(info[5]));
    GroupPtr pg = c10::make_intrusive<c10d::ProcessGroupGloo>(STORE(info[0]), static_cast<int>(I(info[1])),
                                                              static_cast<int>(I(info[2])), opts);
    return wrapPtr(info.Env(), pg, &kGroupTag);
#else
    throw std::runtime_error("this build of the addon has no Gloo (its headers, Debian: libgloo-dev, were missing)");
#endif
  });
}

}  // namespace medcl
