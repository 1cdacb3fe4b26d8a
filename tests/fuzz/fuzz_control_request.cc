// SPDX-License-Identifier: MIT
// The control socket's request parser (src/service/control_protocol.h): any bytes a
// local client sends. Invariants: never crashes; a request longer than kMaxRequestBytes
// is refused; a parsed "set strength" is within 0..100; a refusal always says why.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "service/control_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hush::service::Request;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Request request;
  std::string error;
  const bool ok = hush::service::ParseRequest(text, &request, &error);
  if (ok) {
    if (size > hush::service::kMaxRequestBytes) std::abort();
    if (request.kind == Request::Kind::kSetStrength && (request.strength < 0 || request.strength > 100)) std::abort();
  } else {
    if (error.empty()) std::abort();
    // The error goes back to the client inside JSON: it must stay one valid line.
    const std::string response = hush::service::ErrorResponse(error);
    if (response.find('\n') != std::string::npos) std::abort();
  }
  return 0;
}
