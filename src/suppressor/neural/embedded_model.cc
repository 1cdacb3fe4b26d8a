// SPDX-License-Identifier: MIT
// The default model, compiled into the library so nothing has to be installed. The blob
// (models/hush-default.hnn, written by training/export.py) is included byte for byte by
// the assembler; CMake defines HUSH_EMBEDDED_MODEL_PATH only when the file exists.
#include <memory>
#include <mutex>

#include "suppressor/neural/model_blob.h"
#include "suppressor/neural/neural_suppressor.h"

#if defined(HUSH_EMBEDDED_MODEL_PATH)
#if defined(_WIN32)
// PE/COFF: read-only data is .rdata; the assembler has no .previous (nor .pushsection)
// there, so the block ends by switching back to .text, the section GCC is in when it
// emits top-level asm (before any function or variable of this file).
#define HUSH_RODATA_SECTION ".section .rdata,\"dr\"\n"
#define HUSH_HIDDEN(sym) ""
#define HUSH_SECTION_END ".text\n"
#else
#define HUSH_RODATA_SECTION ".section .rodata\n"
#define HUSH_HIDDEN(sym) ".hidden " sym "\n"
#define HUSH_SECTION_END ".previous\n"
#endif
#if defined(_WIN32) && !defined(_WIN64)
#define HUSH_SYM(name) "_" name
#else
#define HUSH_SYM(name) name
#endif
__asm__(HUSH_RODATA_SECTION
        ".balign 16\n"
        ".globl " HUSH_SYM("hush_embedded_model_begin") "\n"
        HUSH_HIDDEN(HUSH_SYM("hush_embedded_model_begin"))
        HUSH_SYM("hush_embedded_model_begin") ":\n"
        ".incbin \"" HUSH_EMBEDDED_MODEL_PATH "\"\n"
        ".globl " HUSH_SYM("hush_embedded_model_end") "\n"
        HUSH_HIDDEN(HUSH_SYM("hush_embedded_model_end"))
        HUSH_SYM("hush_embedded_model_end") ":\n"
        HUSH_SECTION_END);
extern "C" const unsigned char hush_embedded_model_begin[];
extern "C" const unsigned char hush_embedded_model_end[];
#endif

namespace hush::neural {

std::shared_ptr<const NeuralModel> EmbeddedModel() {
#if defined(HUSH_EMBEDDED_MODEL_PATH)
  // Parsed on first use (never on an audio thread: models are created before streams).
  static const std::shared_ptr<const NeuralModel> model = [] {
    BlobResult result = ParseModelBlob(hush_embedded_model_begin,
                                       static_cast<size_t>(hush_embedded_model_end - hush_embedded_model_begin));
    return result.model;  // nullptr if the build embedded a bad blob (a test catches that)
  }();
  return model;
#else
  return nullptr;
#endif
}

}  // namespace hush::neural
