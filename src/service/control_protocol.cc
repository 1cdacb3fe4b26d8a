// SPDX-License-Identifier: MIT
#include "service/control_protocol.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace hush::service {

bool ParseRequest(std::string_view text, Request* request, std::string* error) {
  if (text.size() > kMaxRequestBytes) {
    *error = "request too long (at most " + std::to_string(kMaxRequestBytes) + " bytes)";
    return false;
  }
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::vector<std::string_view> words;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size();
    const char c = end ? ' ' : text[i];
    if (!end && (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) && c != '\t') {
      *error = "request contains a byte that is not printable ASCII";
      return false;
    }
    if (c == ' ' || c == '\t') {
      if (i > start) words.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  if (words.empty()) {
    *error = "empty request";
    return false;
  }
  const std::string_view verb = words[0];
  auto arity = [&](size_t n, const char* usage) {
    if (words.size() != n) *error = std::string("usage: ") + usage;
    return words.size() == n;
  };
  if (verb == "ping" || verb == "status") {
    if (!arity(1, verb == "ping" ? "ping" : "status")) return false;
    request->kind = verb == "ping" ? Request::Kind::kPing : Request::Kind::kStatus;
    return true;
  }
  if (verb == "set") {
    if (!arity(3, "set strength <0..100>")) return false;
    if (words[1] != "strength") {
      *error = "unknown setting '" + std::string(words[1]) + "' (known: strength)";
      return false;
    }
    const std::string number(words[2]);
    char* stop = nullptr;
    const long value = std::strtol(number.c_str(), &stop, 10);
    if (number.empty() || number.size() > 3 || stop != number.c_str() + number.size() || value < 0 || value > 100) {
      *error = "strength must be an integer from 0 to 100";
      return false;
    }
    request->kind = Request::Kind::kSetStrength;
    request->strength = static_cast<int>(value);
    return true;
  }
  if (verb == "mic" || verb == "speaker") {
    if (!arity(2, verb == "mic" ? "mic on|off" : "speaker on|off")) return false;
    if (words[1] != "on" && words[1] != "off") {
      *error = std::string(verb) + " takes on or off";
      return false;
    }
    request->kind = verb == "mic" ? Request::Kind::kMicrophone : Request::Kind::kSpeaker;
    request->on = words[1] == "on";
    return true;
  }
  *error = "unknown request '" + std::string(verb) + "' (known: ping, status, set, mic, speaker)";
  return false;
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
      out += buffer;
    } else {
      out.push_back(ch);
    }
  }
  return out + "\"";
}

std::string ErrorResponse(std::string_view message) {
  return "{\"ok\":false,\"error\":" + JsonString(message) + "}";
}

std::string DefaultSocketPath() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime == nullptr || runtime[0] != '/') return "";
  return std::string(runtime) + "/hush/control";
}

}  // namespace hush::service
