// SPDX-License-Identifier: MIT
// The service's settings and their file, ~/.config/hush/config.toml:
//
//   # Hush settings (hush set ... rewrites this file)
//   strength = 70                 # 0..100: the attenuation limit in dB (0 = off)
//   suppressor = "neural"         # or "statistical"
//   [microphone]
//   enabled = true                # false: "Hush microphone" passes the mic through
//   device = ""                   # node.name of the real mic; "" follows the default
//   channels = 1                  # 1: the mic is processed in mono, 2: in stereo
//   [speaker]
//   enabled = true
//   device = ""                   # node.name of the real output; "" follows the default
//
// The file is the small subset of TOML these need: [table] headers, key = value with
// strings ("..." with \" \\ \n \t escapes), integers and booleans, # comments. Anything
// else is an error naming the line; an unknown key too (a typo must not silently do
// nothing). A missing file is the defaults. Saving writes a temporary file in the same
// directory and renames it over the old one, so a crash never leaves half a file.
#ifndef HUSH_SERVICE_CONFIG_H
#define HUSH_SERVICE_CONFIG_H

#include <string>
#include <string_view>

namespace hush::service {

struct PathConfig {
  bool enabled = true;
  std::string device;  // node.name of the real device; empty = the default one
  int channels = 1;  // microphone only: 1 or 2 processed channels (the device is stereo)
};

struct Config {
  int strength = 30;                 // 0..100, the attenuation limit in dB
  std::string suppressor = "default";  // "default", "neural" or "statistical"
  PathConfig microphone;
  PathConfig speaker{true, "", 2};  // the speaker path is always stereo
};

// Parses the text of a config file. On error returns false and sets *error to
// "line N: what is wrong"; *config is then unchanged.
bool ParseConfig(std::string_view text, Config* config, std::string* error);
std::string FormatConfig(const Config& config);

// $XDG_CONFIG_HOME if set and absolute, else ~/.config (the XDG base directory rule).
std::string ConfigHomeDir();
// ConfigHomeDir()/hush/config.toml.
std::string DefaultConfigPath();
// A missing file gives the defaults (true). Unreadable or invalid: false, with the reason
// ("<path>: line 3: ...").
bool LoadConfigFile(const std::string& path, Config* config, std::string* error);
// Creates the directory if needed; atomic replace. false with the reason.
bool SaveConfigFile(const std::string& path, const Config& config, std::string* error);

}  // namespace hush::service

#endif  // HUSH_SERVICE_CONFIG_H
