// SPDX-License-Identifier: MIT
// HushNet at run time (its training twin is training/hush_train/model.py):
//
//   features -> (x - mean) * scale -> dense E, tanh -> GRU H -> GRU H
//            -> dense over [dense, GRU1, GRU2] + logit(statistical band gain), sigmoid
//               -> band gains (the network corrects the statistical prior, features.h)
//            -> dense over GRU1, sigmoid -> voice probability
//
// NeuralModel holds the weights (immutable, shared by every stream); NetworkState is
// one stream's recurrent state and scratch, all allocated at construction.
#ifndef HUSH_SUPPRESSOR_NEURAL_NETWORK_H
#define HUSH_SUPPRESSOR_NEURAL_NETWORK_H

#include <cstdint>
#include <vector>

#include "nn/kernels.h"

namespace hush::neural {

struct DenseWeights {
  int inputs = 0;
  int outputs = 0;
  std::vector<float> weight;  // input-major: weight[i * outputs + o]
  std::vector<float> bias;
};

struct GruWeights {
  int inputs = 0;
  int hidden = 0;
  std::vector<float> input_weight;      // input-major, 3H outputs, gates r, z, n
  std::vector<float> recurrent_weight;  // input-major over H inputs, 3H outputs
  std::vector<float> input_bias;        // 3H
  std::vector<float> recurrent_bias;    // 3H
};

struct NeuralModel {
  uint32_t features = 0;
  uint32_t bands = 0;
  uint32_t embed = 0;
  uint32_t hidden = 0;
  uint32_t latency_frames = 0;
  uint64_t hash = 0;  // of the blob's payload: identifies the model in logs and status
  std::vector<float> input_mean;
  std::vector<float> input_scale;
  DenseWeights embed_layer;
  GruWeights gru1;
  GruWeights gru2;
  DenseWeights gain_layer;
  DenseWeights vad_layer;
};

class NetworkState {
 public:
  // Not RT-safe: allocates. kernels defaults to the best variant for this CPU.
  explicit NetworkState(const NeuralModel& model, const nn::KernelTable* kernels = nullptr);
  // [RT-safe]
  void Reset();
  // [RT-safe] features[model.features] -> gains[model.bands]; returns voice probability.
  float Run(const float* features, float* gains);

 private:
  void Dense(const DenseWeights& layer, const float* x, float* y) const;
  void GruStep(const GruWeights& layer, const float* x, float* h);

  const NeuralModel& model_;
  const nn::KernelTable& kernels_;
  std::vector<float> input_;
  std::vector<float> concat_;  // [embed | h1 | h2]: the gain layer's input
  std::vector<float> h1_;
  std::vector<float> h2_;
  std::vector<float> gates_x_;  // 3H
  std::vector<float> gates_h_;  // 3H
};

}  // namespace hush::neural

#endif  // HUSH_SUPPRESSOR_NEURAL_NETWORK_H
