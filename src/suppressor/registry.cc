// SPDX-License-Identifier: MIT
#include "suppressor/registry.h"

#include <hush/hush.h>

#include "suppressor/statistical/statistical_suppressor.h"

namespace hush {

std::shared_ptr<const SuppressorFactory> CreateBuiltinFactory(int kind) {
  switch (kind) {
    case HUSH_SUPPRESSOR_DEFAULT:  // the statistical one until a trained model ships
    case HUSH_SUPPRESSOR_STATISTICAL:
      return std::make_shared<StatisticalSuppressorFactory>();
    default:
      return nullptr;
  }
}

}  // namespace hush
