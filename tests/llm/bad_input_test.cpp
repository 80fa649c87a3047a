// Malformed checkpoints: every loader fails with an npulab::Error naming the file and the
// tensor/key at fault, never a crash.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "llm/gguf.h"
#include "llm/model.h"
#include "llm/safetensors.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {
namespace fs = std::filesystem;
using test::ScratchDir;

// Copies the fixture HF dir `name` into the scratch dir and returns the copy's path.
std::string copy_dir(const ScratchDir& d, const std::string& name) {
  const std::string dst = d.path(name);
  fs::copy(test::tiny_path(name), dst, fs::copy_options::recursive);
  return dst;
}

void replace_once(std::vector<char>& b, const std::string& from, const std::string& to) {
  auto it = std::search(b.begin(), b.end(), from.begin(), from.end());
  ASSERT_NE(it, b.end()) << from;
  const size_t at = size_t(it - b.begin());
  b.erase(b.begin() + long(at), b.begin() + long(at + from.size()));
  b.insert(b.begin() + long(at), to.begin(), to.end());
}

void edit_file(const std::string& path, const std::string& from, const std::string& to) {
  auto b = test::read_bytes(path);
  replace_once(b, from, to);
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(b.data(), long(b.size()));
}

std::span<const std::byte> span_of(const std::vector<char>& b) {
  return {reinterpret_cast<const std::byte*>(b.data()), b.size()};
}

TEST(BadSafetensors, ParserRejectsMalformedHeaders) {
  std::vector<char> tiny(5, 0);
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(tiny), "t.st"), "t.st", "truncated");
  auto make = [](uint64_t hlen, const std::string& json, size_t data) {
    std::vector<char> b(8);
    std::memcpy(b.data(), &hlen, 8);
    b.insert(b.end(), json.begin(), json.end());
    b.resize(b.size() + data);
    return b;
  };
  const std::string ok = R"({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}})";
  EXPECT_EQ(parse_safetensors(span_of(make(ok.size(), ok, 16)), "ok").size(), 1u);
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(1u << 30, ok, 16)), "big.st"), "big.st",
                        "header length", "past the end");
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(ok.size(), ok, 8)), "short.st"),
                        "short.st", "'a'", "outside the data section");
  const std::string bad = "{\"a\": ";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(bad.size(), bad, 0)), "j.st"), "j.st",
                        "JSON");
  const std::string i64 = R"({"a": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(i64.size(), i64, 16)), "d.st"), "'a'",
                        "I64");
  const std::string span = R"({"a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 16]}})";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(span.size(), span, 16)), "s.st"), "'a'",
                        "data_offsets span");
  const std::string neg = R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(neg.size(), neg, 4)), "n.st"), "'a'",
                        "shape");
  // A 0 dim next to huge ones (found by fuzzing: row counts that overflow or loop forever).
  const std::string zero =
      R"({"a": {"dtype": "F32", "shape": [1073741824, 1073741824, 0], "data_offsets": [0, 0]}})";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(make(zero.size(), zero, 0)), "z.st"), "'a'");
  EXPECT_EQ(wdtype_nbytes(WDType::F32, {0, 4}), 0);
  EXPECT_EQ(wdtype_nbytes(WDType::F32, {int64_t(1) << 30, int64_t(1) << 30, 0}), -1);
  EXPECT_EQ(wdtype_nbytes(WDType::Q8_0, {2, 64}), 2 * 2 * 34);
  EXPECT_EQ(wdtype_nbytes(WDType::Q8_0, {2, 48}), -1);
}

TEST(BadSafetensors, TruncatedShardNamesFileAndTensor) {
  ScratchDir d;
  const std::string dir = copy_dir(d, "llama3");
  const std::string st = dir + "/model.safetensors";
  fs::resize_file(st, fs::file_size(st) - 100);
  EXPECT_ERROR_CONTAINS(load_model(dir), "model.safetensors", "outside the data section");
}

TEST(BadHfConfig, ShapeMismatchUnknownArchMissingTensors) {
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "\"intermediate_size\": 96", "\"intermediate_size\": 128");
    EXPECT_ERROR_CONTAINS(load_model(dir), "llama3", "ffn.w1", "[96, 64]", "[128, 64]");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "LlamaForCausalLM", "GPTNeoXForCausalLM");
    EXPECT_ERROR_CONTAINS(load_model(dir), "config.json", "unknown architecture",
                          "GPTNeoXForCausalLM");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
    EXPECT_ERROR_CONTAINS(load_model(dir), "missing tensor", "layers.2.");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "\"hidden_size\": 64", "\"hidden_size\": \"64\"");
    EXPECT_ERROR_CONTAINS(load_model(dir), "config.json", "hidden_size", "integer");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\"");
    EXPECT_ERROR_CONTAINS(load_model(dir), "rope_scaling", "yarn");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "{", "{\"attention_bias\": true, ");
    EXPECT_ERROR_CONTAINS(load_model(dir), "missing tensor", "attn.bq");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama3");
    edit_file(dir + "/config.json", "{", "[");
    EXPECT_ERROR_CONTAINS(load_model(dir), "config.json", "JSON");
  }
}

TEST(BadHfConfig, ShardIndexProblems) {
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama_tied_sharded");
    fs::remove(dir + "/model-00002-of-00002.safetensors");
    EXPECT_ERROR_CONTAINS(load_model(dir), "model-00002-of-00002.safetensors", "cannot open");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama_tied_sharded");
    edit_file(dir + "/model.safetensors.index.json", "\"model-00001-of-00002.safetensors\"",
              "\"../model-00001-of-00002.safetensors\"");
    EXPECT_ERROR_CONTAINS(load_model(dir), "index.json", "not a file name");
  }
  {
    ScratchDir d;
    const std::string dir = copy_dir(d, "llama_tied_sharded");
    fs::remove(dir + "/model.safetensors.index.json");
    EXPECT_ERROR_CONTAINS(load_model(dir), "no model.safetensors");
  }
}

TEST(BadGguf, MagicVersionTruncation) {
  ScratchDir d;
  auto good = test::read_bytes(test::tiny_path("llama3.gguf"));
  auto b = good;
  b[0] = 'X';
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "m.gguf"), "m.gguf", "bad magic");
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("m.gguf", b)), "m.gguf", "bad magic");
  b = good;
  uint32_t v = 4;
  std::memcpy(b.data() + 4, &v, 4);
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "v.gguf"), "v.gguf", "version 4");
  // Cut inside the metadata (the token list is long): a truncation error, not a crash.
  for (size_t cut : {size_t(3), size_t(20), size_t(200), size_t(2000)}) {
    b.assign(good.begin(), good.begin() + long(cut));
    EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "t.gguf"), "t.gguf");
  }
  b.assign(good.begin(), good.begin() + 2000);
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "t.gguf"), "tokenizer.ggml.tokens",
                        "runs past the end");
  // Header + one KV whose key claims 100 bytes but the file ends after 10.
  b.assign(good.begin(), good.begin() + 8);
  const uint64_t counts[3] = {0, 1, 100};
  b.insert(b.end(), reinterpret_cast<const char*>(counts), reinterpret_cast<const char*>(counts) + 24);
  b.resize(b.size() + 10, 'k');
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "t.gguf"), "truncated GGUF", "metadata key");
  // Cut inside the tensor data: the last tensor runs past EOF.
  b.assign(good.begin(), good.end() - 64);
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("short.gguf", b)), "short.gguf",
                        "runs past the end of the file");
}

TEST(BadGguf, UnknownArchitectureAndMissingKeys) {
  ScratchDir d;
  auto b = test::read_bytes(test::tiny_path("llama3.gguf"));
  auto arch = b;
  replace_once(arch, std::string("\x05\0\0\0\0\0\0\0llama", 13), std::string("\x05\0\0\0\0\0\0\0gpt2x", 13));
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("a.gguf", arch)), "a.gguf", "unknown architecture",
                        "gpt2x");
  auto key = b;
  // One byte longer than its stored length: the rest of the metadata is misparsed.
  replace_once(key, "llama.block_count", "llama.block_countX");
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(key), "k.gguf"), "k.gguf");
  auto key2 = b;
  replace_once(key2, "llama.block_count", "llama.block_xount");
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("k2.gguf", key2)), "k2.gguf", "llama.block_count");
  auto ff = b;
  replace_once(ff, "llama.feed_forward_length", "llama.feed_forward_lengtx");
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("f.gguf", ff)), "feed_forward_length");
}

TEST(BadGguf, TensorShapeMismatchNamesTensor) {
  ScratchDir d;
  auto b = test::read_bytes(test::tiny_path("llama3.gguf"));
  // Rename one tensor so a required canonical tensor goes missing.
  replace_once(b, "blk.1.ffn_up.weight", "blk.1.ffn_uq.weight");
  EXPECT_ERROR_CONTAINS(load_gguf(d.write("s.gguf", b)), "s.gguf", "blk.1.ffn_uq.weight",
                        "not a known");
}

}  // namespace
}  // namespace npulab::llm
