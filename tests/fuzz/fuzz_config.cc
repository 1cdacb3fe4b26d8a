// SPDX-License-Identifier: MIT
// The config-file loader (src/service/config.h): ~/.config/hush/config.toml is the
// user's to edit, so any text. Invariants: never crashes; a refusal names a line and
// leaves the config untouched; an accepted file's values are in range, and writing
// them back out and reading that again gives the same settings (hush set rewrites the
// file this way, so a round trip must not change or lose anything).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "service/config.h"

namespace {

bool Same(const hush::service::Config& a, const hush::service::Config& b) {
  auto same_path = [](const hush::service::PathConfig& x, const hush::service::PathConfig& y) {
    return x.enabled == y.enabled && x.device == y.device && x.channels == y.channels;
  };
  return a.strength == b.strength && a.suppressor == b.suppressor && same_path(a.microphone, b.microphone) &&
         same_path(a.speaker, b.speaker);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hush::service::Config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Config config;
  config.strength = 42;  // a marker: a refused file must leave it
  std::string error;
  if (!hush::service::ParseConfig(text, &config, &error)) {
    if (error.rfind("line ", 0) != 0 || config.strength != 42) std::abort();
    return 0;
  }
  if (config.strength < 0 || config.strength > 100) std::abort();
  if (config.microphone.channels != 1 && config.microphone.channels != 2) std::abort();
  const std::string written = hush::service::FormatConfig(config);
  Config again;
  std::string error2;
  if (!hush::service::ParseConfig(written, &again, &error2)) std::abort();
  if (!Same(config, again)) std::abort();
  return 0;
}
