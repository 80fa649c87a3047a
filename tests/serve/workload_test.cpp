// Workloads: length distributions, arrival processes (rate and burstiness), presets,
// synthetic prompts with a shared prefix, trace replay in every column layout, ShareGPT-style
// datasets tokenized with a real tokenizer, and errors that name the line.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "common/error.h"
#include "llm/tokenizer/tokenizer.h"
#include "serve/dataset.h"
#include "serve/trace.h"
#include "serve/workload.h"

namespace npulab::serve {
namespace {

std::string fixture(const std::string& name) { return std::string(NPULAB_SOURCE_DIR) + "/tests/serve/fixtures/" + name; }

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LengthDist, ParsesEveryForm) {
  Rng rng(3);
  EXPECT_EQ(LengthDist::parse("1024", "--isl").sample(rng), 1024);
  const LengthDist u = LengthDist::parse("uniform:10:20", "--isl");
  for (int i = 0; i < 200; ++i) {
    const int64_t v = u.sample(rng);
    EXPECT_GE(v, 10);
    EXPECT_LE(v, 20);
  }
  const LengthDist n = LengthDist::parse("normal:1500:150", "--isl");
  double sum = 0, sq = 0;
  for (int i = 0; i < 4000; ++i) {
    const double v = double(n.sample(rng));
    sum += v;
    sq += v * v;
  }
  const double mean = sum / 4000, sd = std::sqrt(sq / 4000 - mean * mean);
  EXPECT_NEAR(mean, 1500, 10);
  EXPECT_NEAR(sd, 150, 10);
  const LengthDist ln = LengthDist::parse("lognormal:100:0.5", "--osl");
  std::vector<int64_t> v;
  for (int i = 0; i < 4001; ++i) v.push_back(ln.sample(rng));
  std::nth_element(v.begin(), v.begin() + 2000, v.end());
  EXPECT_NEAR(double(v[2000]), 100, 5);  // the median
  EXPECT_EQ(LengthDist::parse("fixed:7", "--osl").max(), 7);
}

TEST(LengthDist, BadSpecsNameTheOption) {
  EXPECT_NE(error_of([] { LengthDist::parse("uniform:5", "--isl"); }).find("--isl 'uniform:5'"), std::string::npos);
  EXPECT_NE(error_of([] { LengthDist::parse("gauss:5:1", "--osl"); }).find("unknown distribution 'gauss'"),
            std::string::npos);
  EXPECT_NE(error_of([] { LengthDist::parse("0", "--isl"); }).find("between 1 and"), std::string::npos);
  EXPECT_NE(error_of([] { LengthDist::parse("uniform:9:3", "--isl"); }).find("above HI"), std::string::npos);
  EXPECT_NE(error_of([] { LengthDist::parse("12x", "--isl"); }).find("not a number"), std::string::npos);
  EXPECT_NE(error_of([] { LengthDist::parse("2.5", "--isl"); }).find("whole numbers"), std::string::npos);
}

TEST(Arrivals, PoissonAndBurstyGapsHaveTheRequestedRate) {
  for (double burst : {1.0, 0.25}) {
    Rng rng(11);
    const std::vector<double> t = arrival_times(20001, {4.0, burst}, rng);
    EXPECT_EQ(t[0], 0);
    std::vector<double> gaps;
    for (size_t i = 1; i < t.size(); ++i) gaps.push_back(t[i] - t[i - 1]);
    const double mean = std::accumulate(gaps.begin(), gaps.end(), 0.0) / double(gaps.size());
    double var = 0;
    for (double g : gaps) var += (g - mean) * (g - mean);
    const double cv = std::sqrt(var / double(gaps.size())) / mean;
    EXPECT_NEAR(mean, 0.25, 0.01) << burst;
    // Gamma gaps of shape k have a coefficient of variation 1/sqrt(k): burstier below 1.
    EXPECT_NEAR(cv, 1.0 / std::sqrt(burst), 0.06) << burst;
  }
  Rng rng(1);
  for (double t : arrival_times(5, {0, 1}, rng)) EXPECT_EQ(t, 0);
  EXPECT_THROW((Arrivals{-1, 1}.validate()), Error);
  EXPECT_THROW((Arrivals{1, 0}.validate()), Error);
}

TEST(Workload, SyntheticIsSeededAndSharesItsPrefix) {
  SyntheticSpec s;
  s.requests = 50;
  s.input = LengthDist::uniform(100, 200);
  s.output = LengthDist::fixed(10);
  s.shared_prefix = 64;
  s.seed = 5;
  const std::vector<Request> a = synthetic_workload(s, {2, 1}), b = synthetic_workload(s, {2, 1});
  ASSERT_EQ(a.size(), 50u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt.size(), b[i].prompt.size());
    EXPECT_EQ(a[i].arrival_s, b[i].arrival_s);
    EXPECT_GE(a[i].prompt.size(), 164);
    EXPECT_LE(a[i].prompt.size(), 264);
    for (int64_t k = 0; k < 64; ++k) EXPECT_EQ(a[i].prompt[k], a[0].prompt[k]);
    EXPECT_EQ(a[i].prompt.materialize(), b[i].prompt.materialize());
  }
  EXPECT_NE(a[1].prompt[64], a[2].prompt[64]);  // private parts differ
  s.seed = 6;
  const std::vector<Request> c = synthetic_workload(s, {2, 1});
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += c[i].prompt.size() == a[i].prompt.size();
  EXPECT_LT(same, 10);  // another seed, other lengths
}

TEST(Workload, PresetsAreInferenceMaxPairs) {
  const Preset& p = find_preset("1k/8k");
  EXPECT_EQ(p.input.max(), 1024);
  EXPECT_EQ(p.output.max(), 8192);
  EXPECT_EQ(int64_t(p.output.a), 6553);  // 0.8 x 8192
  EXPECT_NE(error_of([] { find_preset("2k/2k"); }).find("1k/1k, 1k/8k, 8k/1k"), std::string::npos);
}

TEST(Trace, ReadsEveryLayout) {
  const Trace az = read_trace(fixture("azure_sample.csv"));
  EXPECT_EQ(az.layout, "azure");
  ASSERT_EQ(az.records.size(), 5u);
  EXPECT_DOUBLE_EQ(az.records[0].arrival_s, 0);
  EXPECT_NEAR(az.records[1].arrival_s, 4.314579, 1e-6);
  EXPECT_NEAR(az.records[4].arrival_s, 13.81941, 1e-6);
  EXPECT_EQ(az.records[2].input_len, 879);
  EXPECT_EQ(az.records[2].output_len, 4);

  const Trace bg = read_trace(fixture("burstgpt_sample.csv"));
  EXPECT_EQ(bg.layout, "burstgpt");
  ASSERT_EQ(bg.records.size(), 3u);  // the 0-token response is a failed request
  EXPECT_EQ(bg.skipped, 1);
  EXPECT_DOUBLE_EQ(bg.records[1].arrival_s, 113);
  EXPECT_EQ(bg.records[1].input_len, 417);

  const Trace own = read_trace(fixture("npulab_trace.csv"));
  EXPECT_EQ(own.layout, "npulab");
  ASSERT_EQ(own.records.size(), 3u);  // sorted by time, relative to the first
  EXPECT_EQ(own.records[0].input_len, 64);
  EXPECT_DOUBLE_EQ(own.records[2].arrival_s, 1.5);
  const Trace jl = read_trace(fixture("npulab_trace.jsonl"));
  ASSERT_EQ(jl.records.size(), 2u);  // the blank line is skipped
  EXPECT_DOUBLE_EQ(jl.records[1].arrival_s, 0.125);
}

TEST(Trace, MooncakeHashIdsBecomeSharedBlocks) {
  const Trace mc = read_trace(fixture("mooncake_sample.jsonl"));
  EXPECT_EQ(mc.layout, "mooncake");
  ASSERT_EQ(mc.records.size(), 3u);
  EXPECT_DOUBLE_EQ(mc.records[1].arrival_s, 0.25);
  const std::vector<Request> r = trace_requests(mc, 32000, 9, 0, 1.0, true);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].prompt.size(), 1300);
  for (int64_t k = 0; k < 1024; ++k) ASSERT_EQ(r[0].prompt[k], r[1].prompt[k]) << k;  // hash ids 0, 1
  EXPECT_NE(r[0].prompt.materialize()[1024], r[1].prompt[1024]);                      // 2 vs 3
  const std::vector<Request> half = trace_requests(mc, 32000, 9, 2, 0.5, true);
  ASSERT_EQ(half.size(), 2u);
  EXPECT_DOUBLE_EQ(half[1].arrival_s, 0.125);
}

TEST(Trace, ErrorsNameTheLine) {
  EXPECT_NE(error_of([] { read_trace(fixture("bad_trace_value.csv")); }).find("bad_trace_value.csv:3: column 'input_len'"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_trace(fixture("bad_trace_fields.csv")); }).find("bad_trace_fields.csv:3: 2 fields"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_trace(fixture("bad_trace_header.csv")); }).find("unrecognised CSV header"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_trace(fixture("bad_trace_time.csv")); }).find("bad_trace_time.csv:3: column 'TIMESTAMP'"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_trace(fixture("bad_trace_json.jsonl")); }).find("bad_trace_json.jsonl:2: key 'input_len'"),
            std::string::npos);
  EXPECT_NE(error_of([] { read_trace(fixture("no_such_file.csv")); }).find("cannot open"), std::string::npos);
}

TEST(Trace, SplitsQuotedCsvFields) {
  EXPECT_EQ(split_csv_line(R"(1,"a, b","say ""hi""",)"), (std::vector<std::string>{"1", "a, b", "say \"hi\"", ""}));
}

TEST(Dataset, TokenizesShareGptConversations) {
  const auto tok = llm::load_tokenizer(std::string(NPULAB_SOURCE_DIR) + "/models/austen/tokenizer.model");
  const std::vector<DatasetRecord> recs = read_dataset(fixture("sharegpt_sample.jsonl"));
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].prompt, "My dear Mr. Bennet, have you heard that Netherfield Park is let at last?");
  EXPECT_EQ(recs[2].completion, "");
  EXPECT_EQ(recs[3].output_len, 7);
  const std::vector<Request> r = dataset_requests(recs, *tok, 16, 0, 0, 1, false);
  ASSERT_EQ(r.size(), 4u);
  const std::vector<int32_t> ids = tok->encode(recs[0].prompt, true);
  EXPECT_EQ(r[0].prompt.materialize(), ids);
  EXPECT_EQ(r[0].max_tokens, int64_t(tok->encode(recs[0].completion, false).size()));
  EXPECT_EQ(r[2].max_tokens, 16);  // one turn: the default
  EXPECT_EQ(r[3].max_tokens, 7);
  EXPECT_FALSE(r[0].ignore_eos);
  EXPECT_EQ(dataset_requests(recs, *tok, 16, 5, 2, 1, false).back().max_tokens, 5);
  EXPECT_NE(error_of([] { read_dataset(fixture("bad_dataset.jsonl")); }).find("bad_dataset.jsonl:2: not a JSON object"),
            std::string::npos);
}

}  // namespace
}  // namespace npulab::serve
