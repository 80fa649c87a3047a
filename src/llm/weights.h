// Typed, zero-copy views of checkpoint tensors under canonical names.
//
// Canonical names (independent of the file format; docs/MODELS.md has the full mapping):
//   tok_embeddings                      [vocab, dim]
//   layers.N.attn_norm                  [dim]
//   layers.N.attn.wq / wk / wv          [q_dim|kv_dim, dim]   (out, in), row-major
//   layers.N.attn.bq / bk / bv          [q_dim|kv_dim]        (qkv_bias models only)
//   layers.N.attn.wo                    [dim, q_dim]
//   layers.N.ffn_norm                   [dim]
//   layers.N.ffn.w1 (gate) / w3 (up)    [hidden, dim]
//   layers.N.ffn.w2 (down)              [dim, hidden]
//   layers.N.ffn.router                 [n_experts, dim]      (MoE models only, instead
//   layers.N.ffn.experts.E.w1 / w3      [hidden, dim]          of ffn.w1/w2/w3; hidden is
//   layers.N.ffn.experts.E.w2           [dim, hidden]          per expert)
//   norm                                [dim]
//   output                              [vocab, dim]   (absent when embeddings are tied)
// Shapes are row-major, outermost first, like PyTorch (GGUF's reversed ne[] is undone).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace npulab::llm {

// Storage types of checkpoint tensors. Q8_0 is GGML's block format: blocks of 32 values
// along the innermost dimension, each an fp16 scale followed by 32 int8 (34 bytes).
enum class WDType : uint8_t { F32, F16, BF16, Q8_0 };
const char* wdtype_name(WDType t);
constexpr int64_t kQ8BlockSize = 32;
constexpr int64_t kQ8BlockBytes = 34;

// Limits on tensor shapes accepted from files: any dim <= 2^40, product of the non-zero
// dims <= 2^50 (so element/row counts never overflow int64, even with a 0 dim).
constexpr int64_t kMaxDim = int64_t(1) << 40;
constexpr int64_t kMaxElements = int64_t(1) << 50;

// Bytes needed for a tensor of `shape`; -1 if a dim or the element count is out of the
// limits above, or for Q8_0 when the innermost dim is not a multiple of 32.
int64_t wdtype_nbytes(WDType t, const std::vector<int64_t>& shape);

struct TensorView {
  std::string name;             // canonical name
  WDType dtype = WDType::F32;
  std::vector<int64_t> shape;   // row-major, outermost first
  const std::byte* data = nullptr;  // points into a memory-mapped file
  int64_t nbytes = 0;

  int64_t numel() const;
  int64_t rows() const;  // product of all but the innermost dim (1 for 1-D)
  int64_t cols() const;  // innermost dim
  // Decode row r (cols() values) to FP32; Q8_0 is dequantized (scale * q).
  void row_to_f32(int64_t r, float* out) const;
  // Decode the whole tensor to FP32 (for small tensors: norms, biases).
  std::vector<float> to_f32() const;
};

// A model's tensors. Implementations own the mapped files; views stay valid as long as
// the Weights object lives.
class Weights {
 public:
  virtual ~Weights() = default;
  virtual const TensorView* find(const std::string& name) const = 0;
  virtual std::vector<std::string> names() const = 0;  // sorted
  // Throws npulab::Error naming the source file and tensor if absent.
  const TensorView& get(const std::string& name) const;
  virtual const std::string& source() const = 0;       // file or directory loaded
};

// Checks that every tensor the config implies exists with the expected shape, and that
// no unexpected dense-model tensor is missing. Throws npulab::Error naming the source and
// tensor. Loaders call it after building the config.
struct ModelConfig;
void check_weights_against_config(const Weights& w, const ModelConfig& c);

// Canonical names, so no caller spells strings by hand.
std::string layer_tensor(int64_t layer, const char* suffix);  // ("attn.wq") -> layers.N.attn.wq
// ("w1") -> layers.N.ffn.experts.E.w1
std::string expert_tensor(int64_t layer, int64_t expert, const char* w);

}  // namespace npulab::llm
