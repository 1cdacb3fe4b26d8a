// SPDX-License-Identifier: MIT
#include "suppressor/registry.h"

#include <hush/hush.h>

#include "suppressor/neural/neural_suppressor.h"
#include "suppressor/statistical/statistical_suppressor.h"

namespace hush {

std::shared_ptr<const SuppressorFactory> CreateBuiltinFactory(int kind) {
  switch (kind) {
    case HUSH_SUPPRESSOR_DEFAULT:
      // The trained model where the build has one; the statistical one otherwise.
      if (auto model = neural::EmbeddedModel()) return std::make_shared<neural::NeuralSuppressorFactory>(model);
      return std::make_shared<StatisticalSuppressorFactory>();
    case HUSH_SUPPRESSOR_NEURAL:
      if (auto model = neural::EmbeddedModel()) return std::make_shared<neural::NeuralSuppressorFactory>(model);
      return nullptr;
    case HUSH_SUPPRESSOR_STATISTICAL:
      return std::make_shared<StatisticalSuppressorFactory>();
    default:
      return nullptr;
  }
}

}  // namespace hush
