// Profiler: libtorch's (legacy) autograd profiler, the one behind torch.autograd.profiler.profile(use_kineto=False).
// Records every operator run on the calling thread (and on threads it hands work to) between start and stop, the
// autograd engine's backward nodes included; the TS side pairs the ranges and sums them (src/engine/profiler.ts).
#include "common.h"

#include <torch/csrc/autograd/profiler_legacy.h>

namespace medcl {

namespace prof = torch::autograd::profiler;

void registerProfiler(Napi::Env env, Napi::Object e) {
  // profilerStart(recordShapes): enable the profiler on this thread
  def(env, e, "profilerStart", [](const Napi::CallbackInfo& info) -> Napi::Value {
    if (prof::profilerEnabled()) throw std::runtime_error("profilerStart: the profiler is already running");
    prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(
        torch::profiler::impl::ProfilerState::CPU, /*report_input_shapes=*/B(info[0])));
    return info.Env().Undefined();
  });
  // profilerStop() -> [{kind: 'push'|'pop'|'mark', name, us, thread, handle, shapes?}] in recording order per thread
  def(env, e, "profilerStop", [](const Napi::CallbackInfo& info) -> Napi::Value {
    Napi::Env env = info.Env();
    if (!prof::profilerEnabled()) throw std::runtime_error("profilerStop: the profiler is not running");
    const prof::thread_event_lists lists = prof::disableProfilerLegacy();
    Napi::Array out = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& list : lists) {
      for (const auto& ev : list) {
        if (ev.kind() == prof::EventKind::MemoryAlloc) continue;
        Napi::Object o = Napi::Object::New(env);
        o.Set("kind", ev.kindStr());
        o.Set("name", ev.name());
        o.Set("us", ev.cpuUs());
        o.Set("thread", static_cast<double>(ev.threadId()));
        o.Set("handle", static_cast<double>(ev.handle()));
        const auto shapes = ev.shapes();
        if (!shapes.empty()) {
          Napi::Array s = Napi::Array::New(env, shapes.size());
          for (size_t i = 0; i < shapes.size(); ++i) {
            Napi::Array dims = Napi::Array::New(env, shapes[i].size());
            for (size_t j = 0; j < shapes[i].size(); ++j) dims.Set(j, static_cast<double>(shapes[i][j]));
            s.Set(i, dims);
          }
          o.Set("shapes", s);
        }
        out.Set(n++, o);
      }
    }
    return out;
  });
}

}  // namespace medcl
