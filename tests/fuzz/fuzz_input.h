// SPDX-License-Identifier: MIT
// Reading a fuzzer's input as a stream of decisions: the fuzzers that drive a sequence of
// calls take their numbers from here. Past the end every read gives 0, so any input,
// however short, is a complete (if dull) sequence.
#ifndef HUSH_TESTS_FUZZ_FUZZ_INPUT_H
#define HUSH_TESTS_FUZZ_FUZZ_INPUT_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace hush::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Empty() const { return pos_ >= size_; }
  uint8_t U8() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t U32() {  // little-endian
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(U8()) << (8 * i);
    return v;
  }
  float F32() {  // any bit pattern: NaN, infinities and subnormals included
    const uint32_t bits = U32();
    float v;
    std::memcpy(&v, &bits, 4);
    return v;
  }
  // Up to n bytes (fewer at the end), as a heap block of their own, so AddressSanitizer
  // sees any read past them.
  std::vector<uint8_t> Take(size_t n) {
    const size_t k = n < size_ - pos_ ? n : size_ - pos_;
    std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + k);
    pos_ += k;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// An invariant of the code under test: abort, so libFuzzer keeps the input.
inline void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace hush::fuzz

#endif  // HUSH_TESTS_FUZZ_FUZZ_INPUT_H
