// llama2.c checkpoints, legacy "v0" layout (Karpathy's run.c): a header of 7 int32
// {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} and then FP32
// tensors back to back. vocab_size > 0 means the classifier shares the token embedding;
// negative means a separate wcls follows the (unused) legacy RoPE tables.
#include <sys/stat.h>

#include <array>
#include <cstring>
#include <fstream>
#include <optional>

#include "common/error.h"
#include "llm/model.h"
#include "llm/weights_store.h"

namespace npulab::llm {
namespace {

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};
constexpr uint32_t kV1Magic = 0x616b3432;  // "ak42": llama2.c export v1+, not this layout

// Bytes the v0 layout needs for this header, or nullopt if the header is implausible.
std::optional<int64_t> expected_size(const Header& h) {
  if (h.dim <= 0 || h.hidden_dim <= 0 || h.n_layers <= 0 || h.n_heads <= 0 ||
      h.n_kv_heads <= 0 || h.vocab_size == 0 || h.seq_len <= 0 || h.dim % h.n_heads != 0 ||
      h.n_heads % h.n_kv_heads != 0 || h.dim > (1 << 20) || h.hidden_dim > (1 << 22) ||
      h.n_layers > 4096 || h.seq_len > (1 << 24) || h.vocab_size < -(1 << 24) ||
      h.vocab_size > (1 << 24))
    return std::nullopt;
  const int64_t dim = h.dim, hid = h.hidden_dim, L = h.n_layers;
  const int64_t V = h.vocab_size < 0 ? -int64_t(h.vocab_size) : h.vocab_size;
  const int64_t head = dim / h.n_heads, kv = dim * h.n_kv_heads / h.n_heads;
  int64_t floats = V * dim + L * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hid * dim) + dim +
                   int64_t(h.seq_len) * head;  // freq_cis real+imag: 2 * seq * head/2
  if (h.vocab_size < 0) floats += V * dim;
  return 28 + floats * 4;
}

bool read_header(const std::string& path, Header& h, int64_t& file_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  file_size = st.st_size;
  std::ifstream f(path, std::ios::binary);
  std::array<int32_t, 7> v{};
  if (!f.read(reinterpret_cast<char*>(v.data()), sizeof(v))) return false;
  std::memcpy(&h, v.data(), sizeof(h));
  return true;
}

}  // namespace

bool probe_llama2c(const std::string& path) {
  Header h{};
  int64_t size = 0;
  if (!read_header(path, h, size)) return false;
  auto need = expected_size(h);
  return need && *need == size;
}

Model load_llama2c(const std::string& path) {
  auto file = std::make_shared<MappedFile>(path);
  if (file->size() < 28) fail("{}: llama2.c checkpoint truncated: {} bytes, header needs 28",
                              path, file->size());
  Header h{};
  std::memcpy(&h, file->data(), sizeof(h));
  if (uint32_t(h.dim) == kV1Magic)
    fail("{}: llama2.c export v1+ (magic 'ak42') is not supported; export with the legacy "
         "v0 layout", path);
  if (!expected_size(h))
    fail("{}: implausible llama2.c header (dim {}, hidden {}, layers {}, heads {}, kv heads {}, "
         "vocab {}, seq_len {})", path, h.dim, h.hidden_dim, h.n_layers, h.n_heads,
         h.n_kv_heads, h.vocab_size, h.seq_len);

  Model m;
  m.format = "llama2c";
  ModelConfig& c = m.config;
  c.arch = "llama";
  c.name = path;
  c.dim = h.dim;
  c.hidden_dim = h.hidden_dim;
  c.n_layers = h.n_layers;
  c.n_heads = h.n_heads;
  c.n_kv_heads = h.n_kv_heads;
  c.head_dim = h.dim / h.n_heads;
  c.vocab_size = h.vocab_size < 0 ? -int64_t(h.vocab_size) : h.vocab_size;
  c.max_seq_len = h.seq_len;
  c.rope_theta = 10000.0;
  c.rope_convention = RopeConvention::Interleaved;
  c.rms_eps = 1e-5;
  c.tied_embeddings = h.vocab_size > 0;
  c.bos_id = 1;  // llama2.c: BOS 1, EOS 2 (run.c stops when BOS is sampled; we use EOS 2)
  c.eos_ids = c.vocab_size > 2 ? std::vector<int64_t>{2} : std::vector<int64_t>{};
  c.validate(path);

  auto store = std::make_unique<WeightStore>(path);
  const MappedFile& mf = store->keep(file);
  int64_t off = 28;
  // Each stacked [L, ...] array is split into per-layer views.
  auto take = [&](const std::string& name, std::vector<int64_t> shape) {
    TensorView v;
    v.name = name;
    v.dtype = WDType::F32;
    v.shape = std::move(shape);
    v.nbytes = wdtype_nbytes(WDType::F32, v.shape);
    if (off + v.nbytes > int64_t(mf.size()))
      fail("{}: truncated: tensor '{}' needs bytes [{}, {}) but the file has {}", path, name,
           off, off + v.nbytes, mf.size());
    v.data = mf.data() + off;
    off += v.nbytes;
    store->add(std::move(v));
  };
  auto per_layer = [&](const char* suffix, std::vector<int64_t> shape) {
    for (int64_t l = 0; l < c.n_layers; ++l) take(layer_tensor(l, suffix), shape);
  };
  const int64_t D = c.dim, H = c.hidden_dim, KV = c.kv_dim();
  take("tok_embeddings", {c.vocab_size, D});
  per_layer("attn_norm", {D});
  per_layer("attn.wq", {D, D});
  per_layer("attn.wk", {KV, D});
  per_layer("attn.wv", {KV, D});
  per_layer("attn.wo", {D, D});
  per_layer("ffn_norm", {D});
  per_layer("ffn.w1", {H, D});
  per_layer("ffn.w2", {D, H});
  per_layer("ffn.w3", {H, D});
  take("norm", {D});
  const int64_t freq_bytes = c.max_seq_len * (c.head_dim / 2) * 4 * 2;  // legacy, unused
  if (off + freq_bytes > int64_t(mf.size()))
    fail("{}: truncated inside the legacy freq_cis tables (need {} bytes, file has {})", path,
         off + freq_bytes, mf.size());
  off += freq_bytes;
  if (!c.tied_embeddings) take("output", {c.vocab_size, D});
  if (off != int64_t(mf.size()))
    fail("{}: {} trailing bytes after the last tensor (config/file mismatch?)", path,
         int64_t(mf.size()) - off);
  m.weights = std::move(store);
  check_weights_against_config(*m.weights, c);
  return m;
}

}  // namespace npulab::llm
