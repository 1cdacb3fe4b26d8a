// SPDX-License-Identifier: MIT
#include "suppressor/neural/network.h"

#include <algorithm>
#include <cmath>

namespace hush::neural {

namespace {
// The prior is kept inside (0.001, 0.999) so its logit stays finite (+-6.9).
constexpr float kPriorMin = 0.001f;
constexpr float kPriorMax = 0.999f;
}  // namespace

NetworkState::NetworkState(const NeuralModel& model, const nn::KernelTable* kernels)
    : model_(model),
      kernels_(kernels != nullptr ? *kernels : nn::BestKernels()),
      input_(model.features),
      concat_(model.embed + 2 * model.hidden),
      h1_(model.hidden),
      h2_(model.hidden),
      gates_x_(3 * model.hidden),
      gates_h_(3 * model.hidden) {
  Reset();
}

void NetworkState::Reset() {
  std::fill(h1_.begin(), h1_.end(), 0.0f);
  std::fill(h2_.begin(), h2_.end(), 0.0f);
}

void NetworkState::Dense(const DenseWeights& layer, const float* x, float* y) const {
  std::copy(layer.bias.begin(), layer.bias.end(), y);
  kernels_.matvec_accumulate(layer.weight.data(), x, layer.outputs, layer.inputs, y);
}

// PyTorch's GRU: r = s(Wir x + bir + Whr h + bhr), z = s(Wiz x + biz + Whz h + bhz),
// n = tanh(Win x + bin + r * (Whn h + bhn)), h' = (1 - z) n + z h.
void NetworkState::GruStep(const GruWeights& layer, const float* x, float* h) {
  const int hidden = layer.hidden;
  float* gx = gates_x_.data();
  float* gh = gates_h_.data();
  std::copy(layer.input_bias.begin(), layer.input_bias.end(), gx);
  kernels_.matvec_accumulate(layer.input_weight.data(), x, 3 * hidden, layer.inputs, gx);
  std::copy(layer.recurrent_bias.begin(), layer.recurrent_bias.end(), gh);
  kernels_.matvec_accumulate(layer.recurrent_weight.data(), h, 3 * hidden, hidden, gh);
  for (int i = 0; i < 2 * hidden; ++i) gx[i] += gh[i];
  kernels_.sigmoid(gx, 2 * hidden);  // r | z
  float* n = gx + 2 * hidden;
  for (int i = 0; i < hidden; ++i) n[i] += gx[i] * gh[2 * hidden + i];
  kernels_.tanh(n, hidden);
  const float* z = gx + hidden;
  for (int i = 0; i < hidden; ++i) h[i] = (1.0f - z[i]) * n[i] + z[i] * h[i];
}

float NetworkState::Run(const float* features, float* gains) {
  const int e = static_cast<int>(model_.embed);
  const int hidden = static_cast<int>(model_.hidden);
  for (uint32_t i = 0; i < model_.features; ++i) {
    input_[i] = (features[i] - model_.input_mean[i]) * model_.input_scale[i];
  }
  float* embed = concat_.data();
  Dense(model_.embed_layer, input_.data(), embed);
  kernels_.tanh(embed, e);
  GruStep(model_.gru1, embed, h1_.data());
  GruStep(model_.gru2, h1_.data(), h2_.data());
  std::copy(h1_.begin(), h1_.end(), concat_.begin() + e);
  std::copy(h2_.begin(), h2_.end(), concat_.begin() + e + hidden);
  Dense(model_.gain_layer, concat_.data(), gains);
  // The statistical prior: band gain sqrt(E_cleaned / E_input) from features [2B, 3B)
  // and [0, B), as a logit added before the sigmoid (training/hush_train/model.py).
  const uint32_t bands = model_.bands;
  for (uint32_t b = 0; b < bands; ++b) {
    const float log_ratio = features[2 * bands + b] - features[b];
    const float prior = std::clamp(std::sqrt(std::pow(10.0f, std::min(log_ratio, 0.0f))), kPriorMin, kPriorMax);
    gains[b] += std::log(prior / (1.0f - prior));
  }
  kernels_.sigmoid(gains, static_cast<int>(bands));
  float vad = 0.0f;
  Dense(model_.vad_layer, h1_.data(), &vad);
  kernels_.sigmoid(&vad, 1);
  return vad;
}

}  // namespace hush::neural
