// Hostile model files (issue 12): what the safetensors format forbids (duplicate keys,
// overlapping, shared or unindexed byte ranges), head counts that do not divide the hidden
// size, bad llama2.c header fields and a mistyped GGUF alignment are refused with errors
// that name the field, never loaded or misread silently. Inputs are generated here.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "llm/gguf.h"
#include "llm/hf_config.h"
#include "llm/model.h"
#include "llm/safetensors.h"
#include "llm_test_util.h"

namespace npulab::llm {
namespace {
using test::ScratchDir;

// A safetensors file: 8-byte header length, the header text, `data` bytes.
std::vector<char> safetensors(const std::string& header, size_t data) {
  const uint64_t n = header.size();
  std::vector<char> b(8);
  std::memcpy(b.data(), &n, 8);
  b.insert(b.end(), header.begin(), header.end());
  b.resize(b.size() + data);
  return b;
}
std::span<const std::byte> span_of(const std::vector<char>& b) {
  return {reinterpret_cast<const std::byte*>(b.data()), b.size()};
}
std::string tensor(const std::string& name, int n_f32, int begin) {
  return "\"" + name + "\": {\"dtype\": \"F32\", \"shape\": [" + std::to_string(n_f32) +
         "], \"data_offsets\": [" + std::to_string(begin) + ", " + std::to_string(begin + 4 * n_f32) + "]}";
}

TEST(HostileSafetensors, ContiguousTensorsInAnyOrderAreAccepted) {
  const std::string h = "{" + tensor("b", 2, 8) + ", " + tensor("a", 2, 0) + ", " + tensor("empty", 0, 16) +
                        ", \"__metadata__\": {\"format\": \"pt\"}}";
  EXPECT_EQ(parse_safetensors(span_of(safetensors(h, 16)), "ok.st").size(), 3u);
}

TEST(HostileSafetensors, OverlappingAndSharedRangesAreRefused) {
  const std::string overlap = "{" + tensor("a", 4, 0) + ", " + tensor("b", 2, 8) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(overlap, 16)), "o.st"), "o.st", "'b'",
                        "overlaps tensor 'a'");
  const std::string shared = "{" + tensor("a", 2, 0) + ", " + tensor("b", 2, 0) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(shared, 8)), "s.st"), "s.st", "overlaps");
}

TEST(HostileSafetensors, HolesAndUnindexedTailAreRefused) {
  const std::string hole = "{" + tensor("a", 1, 0) + ", " + tensor("b", 1, 8) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(hole, 12)), "h.st"), "h.st", "[4, 8)",
                        "belong to no tensor", "'b'");
  const std::string one = "{" + tensor("a", 1, 0) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(one, 12)), "t.st"), "t.st", "[4, 12)",
                        "end of the data section");
}

TEST(HostileSafetensors, DuplicateKeysAreRefused) {
  const std::string dup = "{" + tensor("a", 1, 0) + ", " + tensor("a", 1, 4) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(dup, 8)), "d.st"), "d.st",
                        "duplicate JSON key 'a'", "top level");
  const std::string inner =
      R"({"a": {"dtype": "U8", "dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(inner, 4)), "i.st"),
                        "duplicate JSON key 'dtype'", "in object a");
}

TEST(HostileSafetensors, HeaderMustStartWithABrace) {
  const std::string h = " {" + tensor("a", 1, 0) + "}";
  EXPECT_ERROR_CONTAINS(parse_safetensors(span_of(safetensors(h, 4)), "b.st"), "b.st", "must start with '{'");
}

TEST(HostileConfig, HeadDimFromConfigOrAClearError) {
  auto cfg = [](const std::string& extra) {
    return R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 96, "intermediate_size": 128,
               "num_hidden_layers": 1, "num_attention_heads": 5, "num_key_value_heads": 5,
               "vocab_size": 32)" + extra + "}";
  };
  // 96 / 5 is not whole: refused, naming both numbers and the key that would fix it.
  EXPECT_ERROR_CONTAINS(parse_hf_config_text(cfg(""), "c.json"), "c.json", "hidden size 96",
                        "head count 5", "'head_dim'");
  EXPECT_ERROR_CONTAINS(parse_hf_config_text(cfg(R"(, "head_dim": null)"), "n.json"), "'head_dim'");
  // An explicit head_dim is used as given (q_dim 5 x 16 = 80 != hidden 96 is allowed).
  const ModelConfig c = parse_hf_config_text(cfg(R"(, "head_dim": 16)"), "e.json");
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.q_dim(), 80);
  EXPECT_EQ(implied_head_dim(128, 4, "x", "k"), 32);
  EXPECT_ERROR_CONTAINS(parse_hf_config_text(cfg(R"(, "vocab_size": 33)"), "dup.json"), "duplicate JSON key 'vocab_size'");
}

const std::string kStories = test::repo_path("models/stories260K.bin");

// stories260K.bin with header field `index` (dim, hidden_dim, n_layers, n_heads, n_kv_heads,
// vocab_size, seq_len) set to `v`.
std::vector<char> with_header_field(int index, int32_t v) {
  auto b = test::read_bytes(kStories);
  std::memcpy(b.data() + 4 * index, &v, 4);
  return b;
}

TEST(HostileLlama2c, EveryBadHeaderFieldIsNamed) {
  ScratchDir d;
  struct Case {
    int index;
    int32_t value;
    const char* needle;
  } cases[] = {{0, -5, "dim = -5"},          {0, 0, "dim = 0"},          {0, 1 << 30, "dim = 1073741824"},
               {1, 0, "hidden_dim = 0"},     {1, -1, "hidden_dim = -1"}, {2, 0, "n_layers = 0"},
               {2, 100000, "n_layers = 100000"}, {3, 0, "n_heads = 0"},  {3, 7, "not a multiple of n_heads 7"},
               {4, -2, "n_kv_heads = -2"},   {5, 0, "vocab_size = 0"},   {6, -1, "seq_len = -1"}};
  for (const Case& c : cases) {
    // Through load_model (format detection): a .bin file is taken as llama2.c and its
    // loader names the field, instead of "not a recognised model".
    const std::string p = d.write("m" + std::to_string(c.index) + ".bin", with_header_field(c.index, c.value));
    EXPECT_ERROR_CONTAINS(load_model(p), "llama2.c header", c.needle);
  }
}

TEST(HostileLlama2c, PlausibleHeaderOfTheWrongSizeIsNamed) {
  ScratchDir d;
  auto b = test::read_bytes(kStories);
  b.resize(b.size() - 4);
  // No .bin extension: recognised by its plausible header, refused by size.
  EXPECT_ERROR_CONTAINS(load_model(d.write("ckpt", b)), "ckpt", "truncated");
  b.resize(b.size() + 8);
  EXPECT_ERROR_CONTAINS(load_model(d.write("ckpt2", b)), "ckpt2", "4 trailing bytes");
}

TEST(HostileModelFile, EmptyFileIsNamedAsEmpty) {
  ScratchDir d;
  EXPECT_ERROR_CONTAINS(load_model(d.write("empty.gguf", std::string())), "empty.gguf", "empty file");
}

TEST(HostileGguf, AlignmentOfTheWrongTypeNamesTheType) {
  auto b = test::read_bytes(test::tiny_path("llama3.gguf"));
  const std::string from("general.alignment\x04\0\0\0", 21), to("general.alignment\x06\0\0\0", 21);
  auto it = std::search(b.begin(), b.end(), from.begin(), from.end());
  ASSERT_NE(it, b.end());
  std::copy(to.begin(), to.end(), it);  // u32 -> f32, same size
  EXPECT_ERROR_CONTAINS(parse_gguf(span_of(b), "a.gguf"), "a.gguf", "general.alignment", "must be an integer",
                        "type f32");
}

}  // namespace
}  // namespace npulab::llm
