// llama2.c checkpoints, legacy "v0" layout (Karpathy's run.c): a header of 7 int32
// {dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len} and then FP32
// tensors back to back. vocab_size > 0 means the classifier shares the token embedding;
// negative means a separate wcls follows the (unused) legacy RoPE tables.
#include <sys/stat.h>

#include <array>
#include <cstring>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "common/error.h"
#include "llm/model.h"
#include "llm/weights_store.h"

namespace npulab::llm {
namespace {

struct Header {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};
constexpr uint32_t kV1Magic = 0x616b3432;  // "ak42": llama2.c export v1+, not this layout

// What is implausible about a header, naming the field, its value and the range (the
// first problem found), or nullopt. The ranges keep every size below exact in int64.
std::optional<std::string> header_problem(const Header& h) {
  struct Field {
    const char* name;
    int64_t v, lo, hi;
  };
  const Field fields[] = {{"dim", h.dim, 1, 1 << 20},         {"hidden_dim", h.hidden_dim, 1, 1 << 22},
                          {"n_layers", h.n_layers, 1, 4096},  {"n_heads", h.n_heads, 1, h.dim > 0 ? h.dim : 1},
                          {"n_kv_heads", h.n_kv_heads, 1, h.n_heads > 0 ? h.n_heads : 1},
                          {"seq_len", h.seq_len, 1, 1 << 24}};
  for (const Field& f : fields)
    if (f.v < f.lo || f.v > f.hi) return fmt::format("{} = {}, expected {} to {}", f.name, f.v, f.lo, f.hi);
  if (h.vocab_size == 0 || h.vocab_size < -(1 << 24) || h.vocab_size > (1 << 24))
    return fmt::format("vocab_size = {}, expected 1 to {} (negative: an untied classifier)", h.vocab_size, 1 << 24);
  if (h.dim % h.n_heads != 0) return fmt::format("dim {} is not a multiple of n_heads {}", h.dim, h.n_heads);
  if (h.n_heads % h.n_kv_heads != 0)
    return fmt::format("n_heads {} is not a multiple of n_kv_heads {}", h.n_heads, h.n_kv_heads);
  return std::nullopt;
}

std::string header_text(const Header& h) {
  return fmt::format("dim {}, hidden_dim {}, n_layers {}, n_heads {}, n_kv_heads {}, vocab_size {}, seq_len {}",
                     h.dim, h.hidden_dim, h.n_layers, h.n_heads, h.n_kv_heads, h.vocab_size, h.seq_len);
}

// Bytes the v0 layout needs for this header, or nullopt if the header is implausible.
std::optional<int64_t> expected_size(const Header& h) {
  if (header_problem(h)) return std::nullopt;
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

// A file that no probe accepted but that is clearly meant as a llama2.c checkpoint: the
// format's extension, or a plausible header whose size does not match the file.
bool resembles_llama2c(const std::string& path) {
  Header h{};
  int64_t size = 0;
  if (!read_header(path, h, size)) return false;
  return path.ends_with(".bin") || expected_size(h).has_value();
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
  // (A size that does not match the header is named below by the tensor it cuts, or as
  // trailing bytes.)
  if (auto why = header_problem(h)) fail("{}: llama2.c header: {} (header: {})", path, *why, header_text(h));

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
