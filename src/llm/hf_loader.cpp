// Hugging Face model directories: config.json + model.safetensors, or shards listed in
// model.safetensors.index.json. Every shard is memory-mapped; views point into the maps.
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.h"
#include "llm/architecture.h"
#include "llm/hf_config.h"
#include "llm/json_strict.h"
#include "llm/model.h"
#include "llm/safetensors.h"
#include "llm/tensor_names.h"
#include "llm/weights_store.h"

namespace npulab::llm {
namespace fs = std::filesystem;
namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) fail("{}: cannot open", p.string());
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Shard file names in the order they should be mapped (index.json's weight_map values, or
// the single model.safetensors).
std::vector<std::string> shard_files(const fs::path& dir) {
  const fs::path index = dir / "model.safetensors.index.json";
  if (fs::exists(index)) {
    const nlohmann::json j = parse_json_strict(read_text(index), index.string());
    auto wm = j.find("weight_map");
    if (!j.is_object() || wm == j.end() || !wm->is_object())
      fail("{}: missing object 'weight_map'", index.string());
    std::vector<std::string> files;
    for (const auto& [tensor, file] : wm->items()) {
      if (!file.is_string())
        fail("{}: weight_map['{}'] must be a file name", index.string(), tensor);
      const std::string f = file.get<std::string>();
      // Shard names are plain file names inside the directory, nothing else.
      if (f.empty() || f.find('/') != std::string::npos || f == "." || f == "..")
        fail("{}: weight_map['{}'] = '{}' is not a file name in the directory",
             index.string(), tensor, f);
      if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    }
    if (files.empty()) fail("{}: weight_map is empty", index.string());
    return files;
  }
  if (fs::exists(dir / "model.safetensors")) return {"model.safetensors"};
  fail("{}: no model.safetensors or model.safetensors.index.json", dir.string());
}

}  // namespace

bool probe_hf_dir(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::exists(fs::path(path) / "config.json", ec);
}

Model load_hf_dir(const std::string& path) {
  const fs::path dir(path);
  if (!probe_hf_dir(path)) fail("{}: not a Hugging Face model directory (no config.json)", path);
  const fs::path cfg_path = dir / "config.json";
  Model m;
  m.format = "hf";
  m.config = parse_hf_config_text(read_text(cfg_path), cfg_path.string());
  m.config.name = path;
  const Architecture& arch = *find_architecture(m.config.arch);  // set by parse_hf_config

  auto store = std::make_unique<WeightStore>(path);
  for (const std::string& shard : shard_files(dir)) {
    const std::string file = (dir / shard).string();
    const MappedFile& mf = store->keep(std::make_shared<MappedFile>(file));
    for (auto& e : parse_safetensors(mf.bytes(), file)) {
      std::string canonical;
      switch (hf_to_canonical(e.name, arch, canonical)) {
        case NameMatch::Ignored: continue;
        case NameMatch::Unknown:
          fail("{}: tensor '{}' is not a known {} weight", file, e.name, m.config.arch);
        case NameMatch::Mapped: break;
      }
      // Tied models sometimes also store lm_head (a copy of the embedding); the config wins.
      if (canonical == "output" && m.config.tied_embeddings) continue;
      TensorView v;
      v.name = canonical;
      v.dtype = e.dtype;
      v.shape = std::move(e.shape);
      v.data = mf.data() + e.offset;
      v.nbytes = e.nbytes;
      store->add(std::move(v));
    }
  }
  m.weights = std::move(store);
  check_weights_against_config(*m.weights, m.config);
  return m;
}

}  // namespace npulab::llm
