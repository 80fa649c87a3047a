#include "gpu/vidur_data.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.h"

namespace npulab::gpu {
namespace {
namespace fs = std::filesystem;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t c = line.find(',', start);
    out.push_back(line.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) return out;
    start = c + 1;
  }
}

// A CSV with a header row: values by column name, errors naming file:line and the column.
class Csv {
 public:
  explicit Csv(const std::string& path) : path_(path), in_(path) {
    if (!in_) fail("{}: cannot open calibration data", path);
    std::string header;
    if (!std::getline(in_, header)) fail("{}: empty file (expected a CSV header)", path);
    if (!header.empty() && header.back() == '\r') header.pop_back();
    const auto names = split(header);
    for (size_t i = 0; i < names.size(); ++i) col_[names[i]] = i;
  }
  bool has(const std::string& name) const { return col_.count(name) > 0; }
  bool next() {
    std::string line;
    while (std::getline(in_, line)) {
      ++line_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      row_ = split(line);
      if (row_.size() != col_.size())
        fail("{}:{}: {} fields, the header has {}", path_, line_ + 1, row_.size(), col_.size());
      return true;
    }
    return false;
  }
  const std::string& text(const std::string& name) const {
    const auto it = col_.find(name);
    if (it == col_.end()) fail("{}: missing column '{}'", path_, name);
    return row_[it->second];
  }
  double number(const std::string& name) const {
    const std::string& s = text(name);
    double v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !(v >= 0) || v > 1e15)
      fail("{}:{}: column '{}': expected a non-negative number, got '{}'", path_, line_ + 1, name, s);
    return v;
  }
  int64_t integer(const std::string& name) const {
    const double v = number(name);
    if (v != double(int64_t(v)) || v < 1)
      fail("{}:{}: column '{}': expected a positive integer, got '{}'", path_, line_ + 1, name, text(name));
    return int64_t(v);
  }
  bool boolean(const std::string& name) const {
    const std::string& s = text(name);
    if (s == "True") return true;
    if (s == "False") return false;
    fail("{}:{}: column '{}': expected True or False, got '{}'", path_, line_ + 1, name, s);
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::map<std::string, size_t> col_;
  std::vector<std::string> row_;
  int64_t line_ = 0;
};

std::string median_column(const std::string& op) { return "time_stats." + op + ".median"; }

// Vidur's operators of one layer (its mlp.csv columns), each named as layer_shape.h names it.
constexpr const char* kVidurOps[] = {"emb", "input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj",
                                     "post_attention_layernorm", "mlp_up_proj", "mlp_act", "mlp_down_proj", "add"};

void load_mlp(const std::string& path, const std::string& source, std::vector<CalPoint>& out) {
  Csv csv(path);
  while (csv.next()) {
    LayerShape s;
    s.dim = csv.integer("n_embd");
    s.n_heads = csv.integer("n_head");
    s.n_kv_heads = csv.integer("n_kv_head");
    if (s.dim % s.n_heads) fail("{}: n_embd {} is not a multiple of n_head {}", path, s.dim, s.n_heads);
    s.head_dim = s.dim / s.n_heads;
    s.hidden = csv.integer("n_expanded_embd");
    s.vocab = csv.integer("vocab_size");
    s.gated_mlp = csv.boolean("use_gated_mlp");
    s.post_attention_norm = csv.has(median_column("post_attention_layernorm"));
    s.weight_dtype = s.act_dtype = DType::F16;  // Vidur profiles FP16 models
    const int64_t T = csv.integer("num_tokens"), tp = csv.integer("num_tensor_parallel_workers");
    std::vector<Op> ops = layer_ops(s, T, tp);
    ops.push_back(embedding_op(s, T));
    for (const char* name : kVidurOps) {
      if (!csv.has(median_column(name))) continue;
      const auto it = std::find_if(ops.begin(), ops.end(), [&](const Op& o) { return o.name == name; });
      if (it == ops.end()) fail("internal error: layer_ops has no '{}' for {}", name, path);
      out.push_back({source, *it, T, tp, csv.number(median_column(name)) * 1e6});
    }
  }
}

void load_allreduce(const std::string& path, const std::string& source, std::vector<CalPoint>& out) {
  Csv csv(path);
  while (csv.next()) {
    Op o{"all_reduce", OpKind::AllReduce};
    o.bytes = csv.number("size");  // bytes (Vidur: "each token is of size 2 * h bytes")
    o.gpus = csv.integer("num_workers");
    out.push_back({source, o, 0, o.gpus, csv.number(median_column("all_reduce")) * 1e6});
  }
}

}  // namespace

std::vector<CalPoint> load_vidur_file(const std::string& path) {
  const std::string file = fs::path(path).filename().string();
  std::vector<CalPoint> out;
  if (file.ends_with(".mlp.csv")) load_mlp(path, file.substr(0, file.size() - 8), out);
  else if (file.ends_with(".all_reduce.csv")) load_allreduce(path, file.substr(0, file.size() - 4), out);
  else fail("{}: not a Vidur profile (expected <model>.mlp.csv or <system>.all_reduce.csv)", path);
  return out;
}

std::vector<CalPoint> load_vidur_points(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) fail("{}: no such calibration data directory", dir);
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.ends_with(".mlp.csv") || f.ends_with(".all_reduce.csv")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) fail("{}: no *.mlp.csv or *.all_reduce.csv files", dir);
  std::vector<CalPoint> out;
  for (const auto& f : files) {
    auto pts = load_vidur_file(f);
    out.insert(out.end(), pts.begin(), pts.end());
  }
  return out;
}

FitGroup fit_group(OpKind k) {
  if (k == OpKind::Gemm) return FitGroup::Gemm;
  if (k == OpKind::AllReduce) return FitGroup::AllReduce;
  return FitGroup::Memory;
}

const char* fit_group_name(FitGroup g) {
  switch (g) {
    case FitGroup::Gemm: return "gemm";
    case FitGroup::Memory: return "memory";
    case FitGroup::AllReduce: return "allreduce";
  }
  return "?";
}

}  // namespace npulab::gpu
