// SPDX-License-Identifier: MIT
// Maps a hush_suppressor_kind to the factory of that suppressor. The only place that
// knows every suppressor, so adding one touches neither the C API nor its callers.
#ifndef HUSH_SUPPRESSOR_REGISTRY_H
#define HUSH_SUPPRESSOR_REGISTRY_H

#include <memory>

#include "suppressor/suppressor.h"

namespace hush {

// Returns nullptr when this build has no suppressor of that kind. Not RT-safe.
std::shared_ptr<const SuppressorFactory> CreateBuiltinFactory(int kind);

}  // namespace hush

#endif  // HUSH_SUPPRESSOR_REGISTRY_H
