// A Tokenizer from the tokenizer data a GGUF checkpoint embeds (tokenizer.ggml.*, exposed by
// the GGUF loader as EmbeddedTokenizer): model "llama" -> SentencePiece BPE over the
// token/score/type arrays, model "gpt2" -> byte-level BPE over the tokens and merges.
#pragma once
#include <memory>
#include <string>

#include "llm/model.h"
#include "llm/tokenizer/byte_bpe.h"
#include "llm/tokenizer/sp_vocab.h"
#include "llm/tokenizer/tokenizer.h"

namespace npulab::llm {

// Throws npulab::Error naming `source` (the GGUF path) for an unsupported tokenizer model or
// pre-tokenizer, or inconsistent arrays / ids.
std::unique_ptr<Tokenizer> tokenizer_from_gguf(const EmbeddedTokenizer& t, const std::string& source);

// The vocabularies behind it (exposed for tests and diagnostics).
SpVocab sp_vocab_from_gguf(const EmbeddedTokenizer& t, const std::string& source);
ByteBpeVocab byte_bpe_vocab_from_gguf(const EmbeddedTokenizer& t, const std::string& source);

}  // namespace npulab::llm
