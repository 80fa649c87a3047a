// Mixtral-format checkpoints: HF names -> canonical MoE names, the tiny fixture's config
// and shapes, and config/tensor mismatches reported with the file and tensor.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "llm/architecture.h"
#include "llm/tensor_names.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

TEST(MoeLoader, HfNamesMapToCanonicalExpertNames) {
  std::string out;
  const Architecture& mixtral = *find_architecture("mixtral");
  EXPECT_EQ(hf_to_canonical("model.layers.3.block_sparse_moe.gate.weight", mixtral, out), NameMatch::Mapped);
  EXPECT_EQ(out, "layers.3.ffn.router");
  EXPECT_EQ(hf_to_canonical("model.layers.3.block_sparse_moe.experts.7.w2.weight", mixtral, out), NameMatch::Mapped);
  EXPECT_EQ(out, "layers.3.ffn.experts.7.w2");
  EXPECT_EQ(out, expert_tensor(3, 7, "w2"));
  EXPECT_EQ(hf_to_canonical("model.layers.0.block_sparse_moe.experts.0.w1.weight", mixtral, out), NameMatch::Mapped);
  EXPECT_EQ(out, "layers.0.ffn.experts.0.w1");
  for (const char* bad : {"model.layers.0.block_sparse_moe.experts.0.w4.weight",
                          "model.layers.0.block_sparse_moe.experts.x.w1.weight",
                          "model.layers.0.block_sparse_moe.experts.-1.w1.weight",
                          "model.layers.0.block_sparse_moe.gate.bias"})
    EXPECT_EQ(hf_to_canonical(bad, mixtral, out), NameMatch::Unknown) << bad;
  // Expert names are Mixtral's: a dense architecture does not know them.
  EXPECT_EQ(hf_to_canonical("model.layers.3.block_sparse_moe.gate.weight", *find_architecture("llama"), out),
            NameMatch::Unknown);
}

TEST(MoeLoader, TinyMixtralFixtureLoads) {
  Model m = load_model(test::tiny_path("mixtral"));
  EXPECT_EQ(m.format, "hf");
  EXPECT_EQ(m.config.arch, "mixtral");
  EXPECT_TRUE(m.config.is_moe());
  EXPECT_EQ(m.config.n_experts, 4);
  EXPECT_EQ(m.config.n_experts_per_tok, 2);
  EXPECT_EQ(m.config.n_kv_heads, 2);
  EXPECT_EQ(m.config.sliding_window, 0);  // "sliding_window": null
  EXPECT_EQ(m.weights->get("layers.1.ffn.router").shape, (std::vector<int64_t>{4, 64}));
  EXPECT_EQ(m.weights->get(expert_tensor(1, 3, "w1")).shape, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(m.weights->get(expert_tensor(0, 2, "w2")).shape, (std::vector<int64_t>{64, 32}));
  EXPECT_EQ(m.weights->find("layers.0.ffn.w1"), nullptr);
}

// A copy of the fixture with config.json edited by `edit`.
std::string edited_copy(const test::ScratchDir& dir, const std::function<void(nlohmann::json&)>& edit) {
  namespace fs = std::filesystem;
  const fs::path src = test::tiny_path("mixtral");
  fs::create_directories(dir.path("m"));
  fs::copy_file(src / "model.safetensors", dir.path("m/model.safetensors"));
  nlohmann::json cfg = test::read_json((src / "config.json").string());
  edit(cfg);
  dir.write("m/config.json", cfg.dump());
  return dir.path("m");
}

TEST(MoeLoader, ConfigTensorMismatchesAreClearErrors) {
  {
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j["num_local_experts"] = 5; });
    EXPECT_ERROR_CONTAINS(load_model(p), "'layers.0.ffn.router' has shape [4, 64], config implies [5, 64]");
  }
  {
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j["num_local_experts"] = 3; });
    EXPECT_ERROR_CONTAINS(load_model(p), "layers.0.ffn.experts.3.w1", "config has 3 experts");
  }
  {
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j["intermediate_size"] = 48; });
    EXPECT_ERROR_CONTAINS(load_model(p), "layers.0.ffn.experts.0.w1", "shape [32, 64]", "[48, 64]");
  }
  {
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j["num_experts_per_tok"] = 5; });
    EXPECT_ERROR_CONTAINS(load_model(p), "n_experts_per_tok");
  }
  {
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j.erase("num_local_experts"); });
    EXPECT_ERROR_CONTAINS(load_model(p), "num_local_experts");
  }
  {
    // The same tensors under a dense architecture: the router is not a dense weight.
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) {
      j["architectures"] = {"LlamaForCausalLM"};
      j["model_type"] = "llama";
    });
    EXPECT_ERROR_CONTAINS(load_model(p), "block_sparse_moe.", "not a known llama weight");
  }
  {
    // model_type and architectures must name the same architecture.
    test::ScratchDir d;
    const std::string p = edited_copy(d, [](nlohmann::json& j) { j["architectures"] = {"LlamaForCausalLM"}; });
    EXPECT_ERROR_CONTAINS(load_model(p), "model_type 'mixtral'", "LlamaForCausalLM", "'llama'");
  }
}

TEST(MoeLoader, GgufStackedExpertsAreSplitPerExpert) {
  std::string out;
  EXPECT_EQ(gguf_to_canonical("blk.1.ffn_down_exps.weight", out), NameMatch::Mapped);
  EXPECT_EQ(out, "layers.1.ffn.experts.w2");
  EXPECT_STREQ(gguf_stacked_expert(out), "w2");
  EXPECT_EQ(gguf_stacked_expert("layers.1.ffn.w2"), nullptr);
  EXPECT_EQ(gguf_stacked_expert("layers.1.ffn.experts.3.w2"), nullptr);
  Model g = load_model(test::tiny_path("mixtral.gguf"));
  Model h = load_model(test::tiny_path("mixtral"));
  EXPECT_EQ(g.format, "gguf");
  EXPECT_EQ(g.config.n_experts, 4);
  EXPECT_EQ(g.config.n_experts_per_tok, 2);
  EXPECT_EQ(g.config.rope_convention, RopeConvention::Interleaved);  // llama.cpp permuted q/k rows
  // Expert 3 of layer 1 as the HF file holds it (F16 there, BF16 values here: equal).
  for (const char* w : {"w1", "w2", "w3"}) {
    const TensorView& a = g.weights->get(expert_tensor(1, 3, w));
    const TensorView& b = h.weights->get(expert_tensor(1, 3, w));
    ASSERT_EQ(a.shape, b.shape) << w;
    const std::vector<float> av = a.to_f32(), bv = b.to_f32();
    size_t differ = 0;
    for (size_t i = 0; i < av.size(); ++i) differ += std::fabs(av[i] - bv[i]) > 1e-6f * (1 + std::fabs(bv[i]));
    EXPECT_EQ(differ, 0u) << w;
  }
}

// The tiny GGUF with its llama.expert_count value patched.
std::string patched_gguf(const test::ScratchDir& d, uint32_t experts) {
  std::vector<char> bytes = test::read_bytes(test::tiny_path("mixtral.gguf"));
  const std::string key = "llama.expert_count";
  auto it = std::search(bytes.begin(), bytes.end(), key.begin(), key.end());
  if (it == bytes.end()) throw std::runtime_error("fixture lacks " + key);
  std::memcpy(&*(it + long(key.size()) + 4), &experts, 4);  // after the u32 value type
  return d.write("m.gguf", bytes);
}

TEST(MoeLoader, GgufExpertCountMismatchIsAClearError) {
  test::ScratchDir d;
  EXPECT_ERROR_CONTAINS(load_model(patched_gguf(d, 3)), "blk.0.ffn_gate_exps.weight", "shape [4, 32, 64]",
                        "expected [3 experts");
  test::ScratchDir d2;
  EXPECT_ERROR_CONTAINS(load_model(patched_gguf(d2, 0)), "holds MoE experts", "llama.expert_count");
}

}  // namespace
}  // namespace npulab::llm
