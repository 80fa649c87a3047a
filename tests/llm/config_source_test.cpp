// Model shapes without weights (llm/config_source.h): built-in names, a Hugging Face
// config.json or a folder holding only one give the config; a checkpoint is loaded instead.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "llm/config_source.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {

TEST(ConfigSource, BuiltinsConfigFilesAndConfigOnlyFolders) {
  ASSERT_TRUE(weightless_config("llama-3.1-70b"));
  EXPECT_EQ(weightless_config("llama-3.1-70b")->n_heads, 64);
  // The tiny fixture's folder holds weights: a checkpoint, not a weightless config...
  const std::string tiny = test::tiny_path("llama3");
  EXPECT_FALSE(weightless_config(tiny));
  EXPECT_FALSE(weightless_config(test::tiny_path("llama3.gguf")));
  // ...but its config.json alone, or a folder with only that file, is one; config_of gives
  // the same config either way.
  const ModelConfig loaded = config_of(tiny);
  const auto from_file = weightless_config(tiny + "/config.json");
  ASSERT_TRUE(from_file);
  test::ScratchDir dir;
  std::filesystem::copy_file(tiny + "/config.json", dir.path("config.json"));
  const auto from_dir = weightless_config(dir.path(""));
  ASSERT_TRUE(from_dir);
  for (const ModelConfig* c : {&*from_file, &*from_dir}) {
    EXPECT_EQ(c->n_layers, loaded.n_layers);
    EXPECT_EQ(c->n_heads, loaded.n_heads);
    EXPECT_EQ(c->n_kv_heads, loaded.n_kv_heads);
    EXPECT_EQ(c->hidden_dim, loaded.hidden_dim);
    EXPECT_EQ(c->vocab_size, loaded.vocab_size);
  }
  EXPECT_EQ(config_of(dir.path("")).dim, loaded.dim);
}

TEST(ConfigSource, ABadConfigNamesItsFile) {
  test::ScratchDir dir;
  std::ofstream(dir.path("config.json")) << "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64}";
  EXPECT_ERROR_CONTAINS(weightless_config(dir.path("")), "config.json");
  EXPECT_FALSE(weightless_config(dir.path("missing-model.bin")));
}

}  // namespace
}  // namespace npulab::llm
