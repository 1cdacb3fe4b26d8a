// SPDX-License-Identifier: MIT
// The LADSPA and LV2 plugins' run() under the interposer: after instantiate/activate,
// nothing a host calls on its audio thread allocates, frees, locks, sleeps or does I/O,
// whatever the block size and while the controls move (strength, gate, bypass).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <ladspa.h>
#include <lv2/core/lv2.h>

#include <array>
#include <cmath>
#include <vector>

#include "rt/rt_interposer.h"

namespace hush {
namespace {

constexpr size_t kBlocks[] = {1, 7, 333, 4096, 64, 1024};

// Runs 20 s of 48 kHz stereo through `run` inside a RealtimeScope, moving the controls.
template <typename RunFn>
rt::Violations RunTwentySeconds(std::array<float, 5>& controls, std::vector<float>& left, std::vector<float>& right,
                                RunFn run) {
  rt::ResetCounts();
  {
    rt::RealtimeScope scope;
    size_t done = 0, b = 0;
    float phase = 0.0f;
    while (done < 48000 * 20) {
      const size_t n = kBlocks[b++ % std::size(kBlocks)];
      for (size_t i = 0; i < n; ++i) {
        phase += 0.05f;
        left[i] = 0.3f * std::sin(phase) + 0.01f * static_cast<float>((i * 7919) % 101) / 101.0f;
        right[i] = 0.5f * left[i];
      }
      controls[0] = static_cast<float>((b * 13) % 100);  // strength
      controls[1] = b % 5 == 0 ? 0.6f : 0.0f;            // gate
      controls[3] = b % 17 == 0 ? 1.0f : 0.0f;           // bypass
      run(n);
      done += n;
    }
  }
  return rt::Snapshot();
}

// Proves the interposer sees inside a dlopen'ed plugin: instantiate() allocates, and is
// caught when called on a "real-time" thread.
TEST(RtPlugins, TheInterposerSeesThePluginsAllocations) {
  void* lib = dlopen(HUSH_LADSPA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto get = reinterpret_cast<LADSPA_Descriptor_Function>(dlsym(lib, "ladspa_descriptor"));
  const LADSPA_Descriptor* d = get(0);
  rt::ResetCounts();
  LADSPA_Handle h = nullptr;
  {
    rt::RealtimeScope scope;
    h = d->instantiate(d, 48000);
  }
  EXPECT_GT(rt::Snapshot().allocations, 0u);
  ASSERT_NE(h, nullptr);
  d->cleanup(h);
  dlclose(lib);
}

TEST(RtPlugins, LadspaRunNeverAllocatesLocksOrWaits) {
  void* lib = dlopen(HUSH_LADSPA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto get = reinterpret_cast<LADSPA_Descriptor_Function>(dlsym(lib, "ladspa_descriptor"));
  const LADSPA_Descriptor* d = get(1);  // stereo
  LADSPA_Handle h = d->instantiate(d, 48000);
  ASSERT_NE(h, nullptr);
  std::vector<float> left(4096), right(4096);
  std::array<float, 5> controls{30.0f, 0.0f, 200.0f, 0.0f, 0.0f};
  d->connect_port(h, 0, left.data());
  d->connect_port(h, 1, right.data());
  d->connect_port(h, 2, left.data());  // in place, as many hosts run plugins
  d->connect_port(h, 3, right.data());
  for (unsigned long i = 0; i < 5; ++i) d->connect_port(h, 4 + i, &controls[i]);
  d->activate(h);
  const rt::Violations v = RunTwentySeconds(controls, left, right, [&](size_t n) { d->run(h, n); });
  d->cleanup(h);
  dlclose(lib);
  EXPECT_EQ(v.Total(), 0u) << "allocations " << v.allocations << " frees " << v.frees << " locks " << v.locks
                           << " sleeps " << v.sleeps << " io " << v.io;
  EXPECT_GT(controls[4], 0.0f);  // the latency port was written
}

TEST(RtPlugins, Lv2RunNeverAllocatesLocksOrWaits) {
  void* lib = dlopen(HUSH_LV2_PLUGIN, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << dlerror();
  auto get = reinterpret_cast<LV2_Descriptor_Function>(dlsym(lib, "lv2_descriptor"));
  const LV2_Descriptor* d = get(1);
  const LV2_Feature* features[] = {nullptr};
  LV2_Handle h = d->instantiate(d, 48000.0, "", features);
  ASSERT_NE(h, nullptr);
  std::vector<float> left(4096), right(4096);
  std::array<float, 5> controls{30.0f, 0.0f, 200.0f, 0.0f, 0.0f};
  d->connect_port(h, 0, left.data());
  d->connect_port(h, 1, right.data());
  d->connect_port(h, 2, left.data());
  d->connect_port(h, 3, right.data());
  for (uint32_t i = 0; i < 5; ++i) d->connect_port(h, 4 + i, &controls[i]);
  d->activate(h);
  const rt::Violations v = RunTwentySeconds(controls, left, right, [&](size_t n) { d->run(h, static_cast<uint32_t>(n)); });
  d->cleanup(h);
  dlclose(lib);
  EXPECT_EQ(v.Total(), 0u) << "allocations " << v.allocations << " frees " << v.frees << " locks " << v.locks
                           << " sleeps " << v.sleeps << " io " << v.io;
  EXPECT_GT(controls[4], 0.0f);
}

}  // namespace
}  // namespace hush
