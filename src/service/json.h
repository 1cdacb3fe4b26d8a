// SPDX-License-Identifier: MIT
// A small JSON reader for the control protocol's responses (the client renders
// `hush status` from them). Objects, arrays, strings (with \uXXXX for the BMP), numbers,
// booleans, null; nesting at most kMaxDepth; anything else is a parse error, never a
// crash (the service may be another version, or not Hush at all).
#ifndef HUSH_SERVICE_JSON_H
#define HUSH_SERVICE_JSON_H

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hush::service {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;
  std::vector<JsonValue> items;
  std::map<std::string, JsonValue> members;

  // Lookups that never throw: a missing key or a wrong type gives the fallback.
  const JsonValue* Find(const std::string& key) const;
  double Number(const std::string& key, double fallback = 0) const;
  std::string String(const std::string& key, const std::string& fallback = "") const;
  bool Bool(const std::string& key, bool fallback = false) const;
};

inline constexpr int kMaxJsonDepth = 16;

// false with *error ("offset N: ...") for anything that is not one complete JSON value.
bool ParseJson(std::string_view text, JsonValue* value, std::string* error);

}  // namespace hush::service

#endif  // HUSH_SERVICE_JSON_H
