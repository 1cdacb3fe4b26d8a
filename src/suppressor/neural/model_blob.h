// SPDX-License-Identifier: MIT
// The weight blob: how a trained HushNet travels from training/export.py to the library.
//
// Little-endian. Header (64 bytes):
//   0  char[8]  magic "HUSHNET\0"
//   8  u32      format version (kBlobFormatVersion)
//   12 u32      feature version (features.h kFeatureVersion)
//   16 u32      sample rate (48000)      20 u32  hop frames (480)
//   24 u32      latency frames (480)     28 u32  features
//   32 u32      bands                    36 u32  embed size      40 u32 hidden size
//   44 u32      tensor count             48 u64  payload bytes
//   56 u64      FNV-1a 64 hash of the payload
// Payload: tensors in a fixed order, each
//   u32 name length, name (ASCII), u32 rows, u32 cols, float32[rows * cols] (row-major,
//   PyTorch's [out, in] layout for weights).
//
// Parsing checks everything before anything is kept: sizes against the buffer (no read
// past it), the hash, each tensor's name and shape against the header's dimensions, and
// that every value is finite. A failure loads nothing.
#ifndef HUSH_SUPPRESSOR_NEURAL_MODEL_BLOB_H
#define HUSH_SUPPRESSOR_NEURAL_MODEL_BLOB_H

#include <hush/hush.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "suppressor/neural/network.h"

namespace hush::neural {

inline constexpr uint32_t kBlobFormatVersion = 1;
inline constexpr size_t kBlobHeaderBytes = 64;
// Dimensions a blob may declare (keeps a hostile header from requesting gigabytes).
inline constexpr uint32_t kMaxLayerSize = 1024;

struct BlobResult {
  hush_status status = HUSH_OK;
  std::string error;  // why, for logs and tools
  std::shared_ptr<const NeuralModel> model;
};

// Never throws except std::bad_alloc.
BlobResult ParseModelBlob(const void* bytes, size_t size_bytes);

uint64_t Fnv1a64(const uint8_t* data, size_t size);

}  // namespace hush::neural

#endif  // HUSH_SUPPRESSOR_NEURAL_MODEL_BLOB_H
