// Internal: the built-in tokenizer formats, listed in the fixed registry table
// (tokenizer_registry.cpp). An explicit table rather than static self-registration, because
// objects of a static library that nothing references are dropped by the linker, and
// because a table that never changes needs no lock.
#pragma once
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm::formats {

extern const TokenizerFormat kSentencePieceModel;  // sp_formats.cpp
extern const TokenizerFormat kLlama2cBin;          // sp_formats.cpp
extern const TokenizerFormat kHfByteBpeJson;       // byte_bpe.cpp


}  // namespace npulab::llm::formats
