// llama2.c v0 loader on the real stories260K checkpoint, and its error paths.
#include <gtest/gtest.h>

#include <cstring>

#include "common/error.h"
#include "llm/model.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {
using test::ScratchDir;

const std::string kStories = test::repo_path("models/stories260K.bin");

TEST(Llama2cLoader, Stories260KConfigAndTensors) {
  ASSERT_TRUE(probe_llama2c(kStories));
  Model m = load_model(kStories);  // detected by header/size
  EXPECT_EQ(m.format, "llama2c");
  const ModelConfig& c = m.config;
  EXPECT_EQ(c.dim, 64);
  EXPECT_EQ(c.hidden_dim, 172);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.max_seq_len, 512);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.rope_convention, RopeConvention::Interleaved);
  EXPECT_EQ(c.bos_id, 1);
  const TensorView& wk = m.weights->get("layers.4.attn.wk");
  EXPECT_EQ(wk.shape, (std::vector<int64_t>{32, 64}));
  EXPECT_EQ(wk.dtype, WDType::F32);
  EXPECT_EQ(m.weights->find("output"), nullptr);
  // The first float after the header is the first embedding value (views, not copies).
  auto raw = test::read_bytes(kStories);
  float first;
  std::memcpy(&first, raw.data() + 28, 4);
  EXPECT_EQ(m.weights->get("tok_embeddings").to_f32()[0], first);
  EXPECT_EQ(c.param_count(), 512 * 64 + 5 * (2 * 64 + 2 * 64 * 64 + 2 * 32 * 64 + 3 * 172 * 64) + 64);
}

TEST(Llama2cLoader, NegativeVocabMeansSeparateClassifier) {
  ScratchDir dir;
  auto raw = test::read_bytes(kStories);
  int32_t v = -512;
  std::memcpy(raw.data() + 20, &v, 4);
  std::vector<char> cls(512 * 64 * 4);
  for (size_t i = 0; i < cls.size(); i += 4) {
    float f = float(i) * 1e-6f;
    std::memcpy(cls.data() + i, &f, 4);
  }
  raw.insert(raw.end(), cls.begin(), cls.end());
  Model m = load_llama2c(dir.write("untied.bin", raw));
  EXPECT_FALSE(m.config.tied_embeddings);
  EXPECT_FLOAT_EQ(m.weights->get("output").to_f32()[3], 12e-6f);
}

TEST(Llama2cLoader, TruncatedFileNamesTensor) {
  ScratchDir dir;
  auto raw = test::read_bytes(kStories);
  raw.resize(raw.size() / 2);
  const std::string p = dir.write("half.bin", raw);
  EXPECT_FALSE(probe_llama2c(p));
  EXPECT_ERROR_CONTAINS(load_llama2c(p), "half.bin", "truncated", "layers.");
  raw.resize(10);
  EXPECT_ERROR_CONTAINS(load_llama2c(dir.write("tiny.bin", raw)), "tiny.bin", "header");
}

TEST(Llama2cLoader, BadHeaderAndTrailingBytes) {
  ScratchDir dir;
  auto raw = test::read_bytes(kStories);
  auto bad = raw;
  int32_t heads = 7;  // 64 % 7 != 0
  std::memcpy(bad.data() + 12, &heads, 4);
  EXPECT_ERROR_CONTAINS(load_llama2c(dir.write("heads.bin", bad)), "heads.bin", "llama2.c header", "not a multiple of n_heads 7");
  auto extra = raw;
  extra.resize(extra.size() + 4);
  EXPECT_ERROR_CONTAINS(load_llama2c(dir.write("extra.bin", extra)), "extra.bin", "trailing");
  EXPECT_ERROR_CONTAINS(load_model(dir.write("junk.bin", std::string("hello"))), "junk.bin",
                        "not a recognised model");
  EXPECT_ERROR_CONTAINS(load_model(dir.path("missing.bin")), "missing.bin");
  EXPECT_ERROR_CONTAINS(load_model(kStories, "safetensors-zip"), "unknown model format");
}

}  // namespace
}  // namespace npulab::llm
