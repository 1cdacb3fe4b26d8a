// SPDX-License-Identifier: MIT
// The service's per-block work (what `hush run` does on PipeWire's data thread) under the
// interposer: a minute of PathProcessor::Process with every quantum from 64 to 2048,
// suppression toggled (crossfades), strength moving, missing input and an overload
// (degrade to bypass and back) must not allocate, free, lock, sleep or do I/O.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rt/rt_interposer.h"
#include "service/path_processor.h"

namespace hush::service {
namespace {

TEST(RtService, AMinuteOfPathProcessingNeverAllocatesLocksOrWaits) {
  hush_model* model = nullptr;
  ASSERT_EQ(hush_model_create(HUSH_SUPPRESSOR_DEFAULT, &model), HUSH_OK);
  {
    PathProcessor path(model, 48000, 1, 8192);
    std::vector<float> in(2048), out_l(2048), out_r(2048);
    const uint32_t quanta[] = {64, 128, 256, 512, 1024, 2048, 333};
    rt::ResetCounts();
    {
      rt::RealtimeScope scope;
      double t = 0.0, phase = 0.0;
      for (int block = 0; t < 60.0; ++block) {
        const uint32_t n = quanta[(block / 50) % 7];
        for (uint32_t i = 0; i < n; ++i) in[i] = 0.2f * static_cast<float>(std::sin(phase += 0.05));
        const float* src[1] = {in.data()};
        float* dst[1] = {out_l.data()};
        path.SetSuppressing((block / 300) % 2 == 0);
        path.SetAttenLimitDb(static_cast<float>(block % 40));
        path.SetSimulatedCostNs(block % 2000 < 5 ? 50000000 : 0);  // an overload now and then
        path.Process(block % 97 == 0 ? nullptr : src, dst, n);
        (void)path.Telemetry();
        t += n / 48000.0;
      }
    }
    const rt::Violations v = rt::Snapshot();
    EXPECT_EQ(v.allocations, 0u);
    EXPECT_EQ(v.frees, 0u);
    EXPECT_EQ(v.locks, 0u);
    EXPECT_EQ(v.sleeps, 0u);
    EXPECT_EQ(v.io, 0u);
    EXPECT_GE(path.Telemetry().degradations, 1u);  // the overload really happened
  }
  hush_model_destroy(model);
}

}  // namespace
}  // namespace hush::service
