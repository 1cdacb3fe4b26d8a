// SPDX-License-Identifier: MIT
// Writes the seeds that are easier made by code than by hand: a small valid weight blob
// (16-wide embedding, GRUs of 24: 40 KB rather than the shipped model's 750 KB, so the
// fuzzer mutates a blob it can afford to run). Run once; the output is committed:
//   build/fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus/fuzz_model_blob
#include <cstdio>
#include <string>

#include "common/model_blob_writer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::vector<uint8_t> blob = hush::test::MakeBlob();
  const std::string path = std::string(argv[1]) + "/tiny.hnn";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(blob.data(), 1, blob.size(), f) != blob.size() || std::fclose(f) != 0) {
    std::perror(path.c_str());
    return 1;
  }
  std::printf("%s: %zu bytes\n", path.c_str(), blob.size());
  return 0;
}
