// SPDX-License-Identifier: MIT
#include "service/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hush::service {
namespace {

constexpr size_t kMaxConfigBytes = 64 * 1024;  // a settings file, not a data file

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct Value {
  enum Kind { kString, kInteger, kBool } kind = kString;
  std::string text;
  long long integer = 0;
  bool boolean = false;
};

// Parses a value and what may follow it (spaces, a comment). false with *error.
bool ParseValue(std::string_view s, Value* value, std::string* error) {
  if (s.empty()) {
    *error = "a value is missing";
    return false;
  }
  std::string_view rest;
  if (s.front() == '"') {
    value->kind = Value::kString;
    size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      char c = s[i];
      if (static_cast<unsigned char>(c) < 0x20) {
        *error = "a control character inside a string";
        return false;
      }
      if (c == '\\') {
        if (++i >= s.size()) break;
        switch (s[i]) {
          case '"': c = '"'; break;
          case '\\': c = '\\'; break;
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          default:
            *error = std::string("unknown escape \\") + s[i];
            return false;
        }
      }
      value->text.push_back(c);
    }
    if (i >= s.size()) {
      *error = "a string is not closed";
      return false;
    }
    rest = s.substr(i + 1);
  } else {
    size_t end = 0;
    while (end < s.size() && s[end] != ' ' && s[end] != '\t' && s[end] != '#') ++end;
    const std::string word(s.substr(0, end));
    rest = s.substr(end);
    if (word == "true" || word == "false") {
      value->kind = Value::kBool;
      value->boolean = word == "true";
    } else {
      errno = 0;
      char* stop = nullptr;
      const long long v = std::strtoll(word.c_str(), &stop, 10);
      if (word.empty() || stop != word.c_str() + word.size() || errno == ERANGE) {
        *error = "'" + word + "' is not a string, an integer or a boolean";
        return false;
      }
      value->kind = Value::kInteger;
      value->integer = v;
    }
  }
  rest = Trim(rest);
  if (!rest.empty() && rest.front() != '#') {
    *error = "unexpected text after the value";
    return false;
  }
  return true;
}

bool Assign(Config* c, const std::string& table, const std::string& key, const Value& v, std::string* error) {
  auto want = [&](Value::Kind kind, const char* what) {
    if (v.kind != kind) *error = table + (table.empty() ? "" : ".") + key + " must be " + what;
    return v.kind == kind;
  };
  auto in_range = [&](long long lo, long long hi) {
    if (v.integer < lo || v.integer > hi) {
      *error = table + (table.empty() ? "" : ".") + key + " must be from " + std::to_string(lo) + " to " + std::to_string(hi);
      return false;
    }
    return true;
  };
  if (table.empty()) {
    if (key == "strength") {
      if (!want(Value::kInteger, "an integer") || !in_range(0, 100)) return false;
      c->strength = static_cast<int>(v.integer);
      return true;
    }
    if (key == "suppressor") {
      if (!want(Value::kString, "a string")) return false;
      if (v.text != "default" && v.text != "neural" && v.text != "statistical") {
        *error = "suppressor must be \"default\", \"neural\" or \"statistical\"";
        return false;
      }
      c->suppressor = v.text;
      return true;
    }
  } else if (table == "microphone" || table == "speaker") {
    PathConfig& path = table == "microphone" ? c->microphone : c->speaker;
    if (key == "enabled") {
      if (!want(Value::kBool, "true or false")) return false;
      path.enabled = v.boolean;
      return true;
    }
    if (key == "device") {
      if (!want(Value::kString, "a string")) return false;
      if (v.text.size() > 256) {
        *error = table + ".device is longer than 256 characters";
        return false;
      }
      path.device = v.text;
      return true;
    }
    if (key == "channels" && table == "microphone") {
      if (!want(Value::kInteger, "an integer") || !in_range(1, 2)) return false;
      path.channels = static_cast<int>(v.integer);
      return true;
    }
  }
  *error = "unknown setting '" + table + (table.empty() ? "" : ".") + key + "'";
  return false;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out.push_back(c);
    }
  }
  return out + "\"";
}

}  // namespace

bool ParseConfig(std::string_view text, Config* config, std::string* error) {
  Config parsed = *config;
  std::string table;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.find('\0') != std::string_view::npos) {
      *error = "line " + std::to_string(line_number) + ": a NUL byte";
      return false;
    }
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string reason;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      const std::string_view after = close == std::string_view::npos ? "" : Trim(line.substr(close + 1));
      if (close == std::string_view::npos || (!after.empty() && after.front() != '#')) {
        reason = "a table header must be [name]";
      } else {
        table = std::string(Trim(line.substr(1, close - 1)));
        if (table != "microphone" && table != "speaker") reason = "unknown table [" + table + "]";
      }
    } else {
      const size_t eq = line.find('=');
      if (eq == std::string_view::npos) {
        reason = "expected key = value";
      } else {
        const std::string key(Trim(line.substr(0, eq)));
        Value value;
        if (key.empty()) {
          reason = "a key is missing";
        } else if (ParseValue(Trim(line.substr(eq + 1)), &value, &reason)) {
          Assign(&parsed, table, key, value, &reason);
        }
      }
    }
    if (!reason.empty()) {
      *error = "line " + std::to_string(line_number) + ": " + reason;
      return false;
    }
  }
  *config = parsed;
  return true;
}

std::string FormatConfig(const Config& c) {
  std::ostringstream out;
  out << "# Hush settings. `hush set strength N`, `hush mic on|off` and `hush speaker on|off`\n"
         "# rewrite this file; the service applies it when it changes.\n"
      << "strength = " << c.strength << "        # 0..100: attenuation limit in dB (0 = off)\n"
      << "suppressor = " << Quote(c.suppressor) << "  # \"default\", \"neural\" or \"statistical\"\n";
  auto path = [&](const char* name, const PathConfig& p, const char* what) {
    out << "\n[" << name << "]\n"
        << "enabled = " << (p.enabled ? "true" : "false") << "\n"
        << "device = " << Quote(p.device) << "  # node.name of the real " << what << "; \"\" follows the default\n";
  };
  path("microphone", c.microphone, "microphone");
  out << "channels = " << c.microphone.channels << "  # 1: the mic is processed in mono (both channels carry it); 2: stereo\n";
  path("speaker", c.speaker, "output");
  return out.str();
}

std::string ConfigHomeDir() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') return xdg;
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : "") + "/.config";
}

std::string DefaultConfigPath() { return ConfigHomeDir() + "/hush/config.toml"; }

bool LoadConfigFile(const std::string& path, Config* config, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return true;  // no file yet: the defaults
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  text.resize(kMaxConfigBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigBytes) {
    *error = path + ": larger than 64 KiB, not a Hush config file";
    return false;
  }
  std::string reason;
  if (!ParseConfig(text, config, &reason)) {
    *error = path + ": " + reason;
    return false;
  }
  return true;
}

bool SaveConfigFile(const std::string& path, const Config& config, std::string* error) {
  const size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    // mkdir -p of the directory (one or two levels: ~/.config/hush).
    for (size_t pos = 1; pos != std::string::npos && pos <= slash; pos = path.find('/', pos + 1)) {
      const std::string dir = path.substr(0, pos);
      if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        *error = dir + ": " + std::strerror(errno);
        return false;
      }
      if (pos == slash) break;
    }
  }
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  const std::string text = FormatConfig(config);
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = tmp + ": " + std::strerror(errno);
    return false;
  }
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  const int saved_errno = errno;
  close(fd);
  if (!written || rename(tmp.c_str(), path.c_str()) != 0) {
    *error = path + ": " + std::strerror(written ? errno : saved_errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace hush::service
