// A loaded model: config + weights (+ tokenizer data the checkpoint carries), and the
// format registry that produces it from a path.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llm/model_config.h"
#include "llm/weights.h"

namespace npulab::llm {

// Tokenizer data embedded in a checkpoint (GGUF tokenizer.ggml.*), handed to the
// tokenizer layer (src/llm/tokenizer/) to build a tokenizer from.
struct EmbeddedTokenizer {
  std::string model;                 // tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (BPE)
  std::string pre;                   // tokenizer.ggml.pre (pre-tokenizer name), may be empty
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens
  std::vector<float> scores;         // tokenizer.ggml.scores (may be empty)
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type (may be empty)
  std::vector<std::string> merges;   // tokenizer.ggml.merges (BPE only)
  std::optional<int64_t> bos_id, eos_id, unk_id, pad_id;
  std::optional<bool> add_space_prefix;  // tokenizer.ggml.add_space_prefix (SentencePiece)
};

// The tokenizer data of a GGUF file, reading only its header and metadata (no architecture
// or tensor checks, so tokenizer-only GGUF files work too); nullopt when the file carries
// no tokenizer.ggml.model. Build a tokenizer from it with tokenizer_from_gguf
// (llm/tokenizer/tokenizer_from_gguf.h). Throws npulab::Error for a bad file.
std::optional<EmbeddedTokenizer> load_gguf_tokenizer(const std::string& path);

struct Model {
  ModelConfig config;
  std::unique_ptr<Weights> weights;
  std::optional<EmbeddedTokenizer> tokenizer;
  std::string format;  // registry name of the loader that produced it
};

// A checkpoint format: how to recognise it and how to load it.
struct ModelFormat {
  const char* name;                            // "llama2c", "hf", "gguf"
  bool (*probe)(const std::string& path);      // cheap check (magic bytes / directory layout)
  Model (*load)(const std::string& path);
  // Optional weaker claim (extension, a plausible header of the wrong size) for a file no
  // probe accepted: its loader is then run to name what is wrong with it.
  bool (*resembles)(const std::string& path) = nullptr;
};

// All formats, in probe order (llama2.c has no magic, so it is last).
const std::vector<ModelFormat>& model_formats();
// Load by format name; throws npulab::Error for an unknown name.
Model load_model(const std::string& path, const std::string& format);
// Detect the format by magic/layout, then load; throws npulab::Error if nothing matches.
Model load_model(const std::string& path);

// Per-format entry points (also reachable through the registry).
Model load_llama2c(const std::string& path);
Model load_hf_dir(const std::string& path);
Model load_gguf(const std::string& path);
bool probe_llama2c(const std::string& path);
bool resembles_llama2c(const std::string& path);
bool probe_hf_dir(const std::string& path);
bool probe_gguf(const std::string& path);

}  // namespace npulab::llm
