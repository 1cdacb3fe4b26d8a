// SPDX-License-Identifier: MIT
// The service's platform-neutral parts: config file, control protocol, JSON reader, and
// the path processor (latency, bypass crossfade, overload degradation).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/test_signals.h"
#include "service/config.h"
#include "service/control_protocol.h"
#include "service/control_socket.h"
#include "service/json.h"
#include "service/path_processor.h"

namespace hush::service {
namespace {

TEST(ServiceConfig, ParsesEveryKeyAndKeepsDefaultsForTheRest) {
  Config c;
  std::string error;
  ASSERT_TRUE(ParseConfig("# comment\nstrength = 70  # dB\nsuppressor = \"statistical\"\n[microphone]\n"
                          "enabled = false\ndevice = \"alsa_input.usb \\\"mic\\\"\"\nchannels = 2\n[speaker]\ndevice = \"x\"\n",
                          &c, &error))
      << error;
  EXPECT_EQ(c.strength, 70);
  EXPECT_EQ(c.suppressor, "statistical");
  EXPECT_FALSE(c.microphone.enabled);
  EXPECT_EQ(c.microphone.device, "alsa_input.usb \"mic\"");
  EXPECT_EQ(c.microphone.channels, 2);
  EXPECT_TRUE(c.speaker.enabled);
  EXPECT_EQ(c.speaker.device, "x");
}

TEST(ServiceConfig, RefusesBadInputWithTheLineAndChangesNothing) {
  const char* bad[] = {"strength = 101", "strength = \"loud\"", "strength", "volume = 3", "[mixer]\nx = 1",
                       "[speaker]\nchannels = 1", "suppressor = \"magic\"", "[microphone]\nenabled = yes",
                       "strength = 5 junk", "strength = 99999999999999999999", "device = \"open", "[microphone",
                       "[microphone]\ndevice = \"bad \\q escape\""};
  for (const char* text : bad) {
    Config c;
    c.strength = 42;
    std::string error;
    EXPECT_FALSE(ParseConfig(text, &c, &error)) << text;
    EXPECT_EQ(error.rfind("line ", 0), 0u) << text << " -> " << error;
    EXPECT_EQ(c.strength, 42) << text;
  }
}

TEST(ServiceConfig, SavesAtomicallyAndReadsBackTheSame) {
  char dir_template[] = "/tmp/hush-config-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/sub/config.toml";
  Config c;
  c.strength = 12;
  c.microphone.device = "quote\"and\\slash";
  c.speaker.enabled = false;
  std::string error;
  ASSERT_TRUE(SaveConfigFile(path, c, &error)) << error;
  Config back;
  ASSERT_TRUE(LoadConfigFile(path, &back, &error)) << error;
  EXPECT_EQ(back.strength, 12);
  EXPECT_EQ(back.microphone.device, c.microphone.device);
  EXPECT_FALSE(back.speaker.enabled);
  // A missing file is the defaults; a damaged one is an error naming the file.
  Config missing;
  EXPECT_TRUE(LoadConfigFile(std::string(dir_template) + "/none.toml", &missing, &error));
  std::ofstream(path) << "strength = oops\n";
  EXPECT_FALSE(LoadConfigFile(path, &back, &error));
  EXPECT_NE(error.find(path), std::string::npos);
  EXPECT_EQ(std::system(("rm -rf " + std::string(dir_template)).c_str()), 0);
}

TEST(ControlProtocol, ParsesTheRequests) {
  Request r;
  std::string error;
  ASSERT_TRUE(ParseRequest("status\n", &r, &error));
  EXPECT_EQ(r.kind, Request::Kind::kStatus);
  ASSERT_TRUE(ParseRequest("set  strength\t0", &r, &error));
  EXPECT_EQ(r.kind, Request::Kind::kSetStrength);
  EXPECT_EQ(r.strength, 0);
  ASSERT_TRUE(ParseRequest("mic off", &r, &error));
  EXPECT_EQ(r.kind, Request::Kind::kMicrophone);
  EXPECT_FALSE(r.on);
  ASSERT_TRUE(ParseRequest("speaker on\r\n", &r, &error));
  EXPECT_TRUE(r.on);
}

TEST(ControlProtocol, RefusesEverythingElseWithAReason) {
  const std::string bad[] = {"", "   ", "statu", "status now", "set strength", "set strength 101", "set strength -1",
                             "set strength 1e2", "set strength 0x10", "set volume 3", "mic", "mic maybe",
                             std::string("mic\0on", 6), "mic \xff", std::string(300, 'a')};
  for (const auto& text : bad) {
    Request r;
    std::string error;
    EXPECT_FALSE(ParseRequest(text, &r, &error)) << text;
    EXPECT_FALSE(error.empty());
  }
}

TEST(ControlProtocol, JsonEscapesAndReadsBack) {
  const std::string s = JsonString("a\"b\\c\n\x01");
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\u000a\\u0001\"");
  JsonValue v;
  std::string error;
  ASSERT_TRUE(ParseJson("{\"ok\":false,\"error\":" + s + ",\"n\":-1.5e2,\"a\":[1,{\"b\":null}]}", &v, &error)) << error;
  EXPECT_FALSE(v.Bool("ok", true));
  EXPECT_EQ(v.String("error"), "a\"b\\c\n\x01");
  EXPECT_EQ(v.Number("n"), -150.0);
  EXPECT_EQ(v.Number("missing", 7.0), 7.0);
  for (const char* bad : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"\\q\"", "tru", "{\"a\":\"\x01\"}"}) {
    EXPECT_FALSE(ParseJson(bad, &v, &error)) << bad;
  }
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']'), &v, &error));  // too deep
}

TEST(ControlSocket, AnswersItsUserAndRefusesMalformedRequests) {
  char dir_template[] = "/tmp/hush-sock-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/hush/control";
  ControlServer server;
  std::string error;
  ASSERT_TRUE(server.Open(path, &error)) << error;
  // The server is polled from this thread between client steps: a client thread sends.
  std::string response;
  bool ok = false;
  std::thread client([&] { ok = SendControlRequest(path, "ping", &response, &error, 2000); });
  for (int i = 0; i < 200 && !ok; ++i) {
    server.HandleReadable([](const std::string& r) { return r == "ping\n" ? std::string("{\"ok\":true}") : ErrorResponse("?"); });
    usleep(10000);
  }
  client.join();
  ASSERT_TRUE(ok) << error;
  EXPECT_EQ(response, "{\"ok\":true}");
  // A second server on the same path is refused while the first one answers.
  ControlServer second;
  std::thread answer([&] {
    for (int i = 0; i < 100; ++i) {
      server.HandleReadable([](const std::string&) { return std::string("{\"ok\":true}"); });
      usleep(10000);
    }
  });
  EXPECT_FALSE(second.Open(path, &error));
  EXPECT_NE(error.find("another hush service"), std::string::npos) << error;
  answer.join();
  EXPECT_EQ(std::system(("rm -rf " + std::string(dir_template)).c_str()), 0);
}

class PathProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(hush_model_create(HUSH_SUPPRESSOR_STATISTICAL, &model_), HUSH_OK); }
  void TearDown() override { hush_model_destroy(model_); }
  hush_model* model_ = nullptr;
};

// Runs x through p in blocks of `block`; returns the output.
std::vector<float> RunBlocks(PathProcessor& p, const std::vector<float>& x, size_t block) {
  std::vector<float> y(x.size());
  for (size_t i = 0; i < x.size(); i += block) {
    const size_t n = std::min(block, x.size() - i);
    const float* in[1] = {x.data() + i};
    float* out[1] = {y.data() + i};
    p.Process(in, out, static_cast<uint32_t>(n));
  }
  return y;
}

TEST_F(PathProcessorTest, BypassIsTheInputDelayedByTheSameLatency) {
  PathProcessor p(model_, 48000, 1, 2048);
  EXPECT_EQ(p.LatencyFrames(), 959u);
  p.SetSuppressing(false);
  const auto x = test::WhiteNoise(48000, 0.1f, 3);
  const auto y = RunBlocks(p, x, 256);
  for (size_t i = 959; i < x.size(); ++i) ASSERT_EQ(y[i], x[i - 959]) << i;
}

TEST_F(PathProcessorTest, SuppressesAfterWarmUpAndFadesWithoutJumps) {
  PathProcessor p(model_, 48000, 1, 2048);
  p.SetAttenLimitDb(30.0f);
  const auto noise = test::WhiteNoise(48000 * 3, 0.1f, 5);
  const auto y = RunBlocks(p, noise, 1024);
  // The last second: noise only, suppressed by well over 10 dB (the limit is 30).
  const double in_db = test::PowerDb(noise.data() + 96000, 48000);
  const double out_db = test::PowerDb(y.data() + 96000, 48000);
  EXPECT_LT(out_db, in_db - 10.0);
  EXPECT_TRUE(p.Telemetry().suppressing);
  // Turning suppression off crossfades to the dry branch over 10 ms: no sample jumps
  // by more than the signal itself can (white noise at 0.1 rms stays within 0.6).
  p.SetSuppressing(false);
  const auto z = RunBlocks(p, noise, 1024);
  float worst = 0.0f;
  for (size_t i = 1; i < 4800; ++i) worst = std::max(worst, std::abs(z[i] - z[i - 1]));
  EXPECT_LT(worst, 1.2f);
  EXPECT_FALSE(p.Telemetry().suppressing);
}

TEST_F(PathProcessorTest, DegradesToBypassWhenTooSlowAndRetries) {
  PathProcessor p(model_, 48000, 1, 2048);
  const auto x = test::WhiteNoise(48000, 0.1f, 7);
  p.SetSimulatedCostNs(20000000);  // 20 ms for a 10.7 ms block: hopeless
  RunBlocks(p, x, 512);
  auto t = p.Telemetry();
  EXPECT_TRUE(t.degraded);
  EXPECT_EQ(t.degradations, 1u);
  p.SetSimulatedCostNs(1000);  // fast again: it retries after 5 s
  std::vector<float> long_input(48000 * 6, 0.0f);
  RunBlocks(p, long_input, 512);
  t = p.Telemetry();
  EXPECT_FALSE(t.degraded);
  EXPECT_EQ(t.degradations, 1u);
}

TEST_F(PathProcessorTest, MissingInputIsSilenceNotStaleData) {
  PathProcessor p(model_, 48000, 1, 2048);
  p.SetSuppressing(false);
  const auto x = test::WhiteNoise(4800, 0.1f, 9);
  RunBlocks(p, x, 480);
  std::vector<float> y(4800, 1.0f);
  float* out[1] = {y.data()};
  for (int i = 0; i < 10; ++i) {
    out[0] = y.data() + i * 480;
    p.Process(nullptr, out, 480);
  }
  for (size_t i = 959; i < y.size(); ++i) ASSERT_EQ(y[i], 0.0f) << i;
}

}  // namespace
}  // namespace hush::service
