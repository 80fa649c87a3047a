// Functional serving does not depend on batching: in fp32 greedy, each request's output
// equals what `npulab generate` (llm::runtime::generate on a runner of its own) gives for
// its prompt alone - with prompts of different lengths arriving at different times, chunked
// prefill mixed with decodes at different positions in one step, and preemption by
// recompute when the KV cache is short. On stories260K and the tiny Llama-3 fixture.
#include <gtest/gtest.h>

#include <algorithm>

#include "arch/chip.h"
#include "llm/model.h"
#include "llm/runtime/generation.h"
#include "serve/engine.h"
#include "serve/functional_backend.h"

namespace npulab::serve {
namespace {

std::string repo_path(const std::string& rel) { return std::string(NPULAB_SOURCE_DIR) + "/" + rel; }

constexpr int64_t kContext = 96;

std::vector<int64_t> alone(const llm::Model& m, const std::vector<int32_t>& prompt, int64_t max_tokens) {
  llm::runtime::RunnerOptions ro;
  ro.compile.weight_dtype = DType::F32;
  ro.compile.max_context = kContext;
  llm::runtime::ModelRunner r(m.config, m.weights.get(), arch::load_chip_by_name("trn2"), ro);
  llm::runtime::GenerateOptions go;
  go.max_tokens = max_tokens;
  go.stop_on_eos = true;
  return llm::runtime::generate(r, std::vector<int64_t>(prompt.begin(), prompt.end()), go).tokens;
}

struct Case {
  int64_t slots, blocks, budget;
  double gap_s;  // between arrivals
};

void expect_batch_invariant(const std::string& model_path, const Case& c, bool expect_preemption) {
  const llm::Model m = llm::load_model(model_path);
  // Six requests: prompts of 3 to 40 tokens from the model's vocabulary, arrivals spread (a
  // few of this model's simulated steps apart) so that new prompts are prefilled while
  // earlier requests decode.
  std::vector<Request> reqs;
  const int64_t lens[] = {5, 40, 3, 17, 29, 9}, outs[] = {12, 6, 20, 9, 14, 16};
  for (int64_t i = 0; i < 6; ++i) {
    Request r;
    r.id = i;
    r.arrival_s = 0;
    std::vector<int32_t> ids = {int32_t(m.config.bos_id)};
    for (int64_t k = 1; k < lens[i]; ++k) ids.push_back(int32_t((37 * (i + 1) + 11 * k * k) % m.config.vocab_size));
    r.prompt = PromptTokens::stored(ids);
    r.max_tokens = outs[i];
    r.ignore_eos = false;
    r.seed = uint64_t(i);
    reqs.push_back(std::move(r));
  }
  FunctionalOptions fo;
  fo.slots = c.slots;
  fo.max_context = kContext;
  fo.weight_dtype = DType::F32;
  FunctionalBackend backend(m.config, *m.weights, arch::load_chip_by_name("trn2"), fo);
  EngineOptions eo;
  eo.scheduler.max_num_seqs = c.slots;
  eo.scheduler.max_num_batched_tokens = c.budget;
  eo.scheduler.max_model_len = kContext;
  eo.scheduler.block_size = 16;
  eo.scheduler.num_blocks = c.blocks;
  eo.scheduler.prefix_caching = false;
  eo.scheduler.eos_ids = m.config.eos_ids;
  for (size_t i = 0; i < reqs.size(); ++i) reqs[i].arrival_s = double(i) * c.gap_s;
  const EngineRun run = run_engine(eo, backend, reqs);

  bool mixed = false;  // a step holding a prefill chunk and decodes
  for (const StepRecord& s : run.steps) mixed |= s.prefill_seqs > 0 && s.seqs > s.prefill_seqs;
  EXPECT_TRUE(mixed) << "no step mixed prefill with decode";
  if (expect_preemption) {
    EXPECT_GT(run.preemptions, 0);
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Sequence& s = run.seqs[i];
    ASSERT_EQ(s.state, SeqState::Finished) << "request " << i << ": " << s.error;
    const std::vector<int64_t> want = alone(m, reqs[i].prompt.materialize(), reqs[i].max_tokens);
    const std::vector<int64_t> got(s.output.begin(), s.output.end());
    EXPECT_EQ(got, want) << "request " << i << " (" << reqs[i].prompt.size() << "-token prompt)";
  }
}

TEST(FunctionalServing, Stories260KOutputsEqualGenerateAlone) {
  expect_batch_invariant(repo_path("models/stories260K.bin"), {4, 24, 24, 20e-6}, false);
}

TEST(FunctionalServing, Stories260KOutputsSurvivePreemption) {
  // 6 blocks of 16 positions for 4 sequences of up to 46 tokens, all sent at once: some
  // are preempted and recomputed.
  expect_batch_invariant(repo_path("models/stories260K.bin"), {4, 6, 32, 0}, true);
}

TEST(FunctionalServing, TinyLlama3OutputsEqualGenerateAlone) {
  expect_batch_invariant(repo_path("tests/llm/fixtures/tiny/llama3"), {3, 18, 16, 20e-6}, false);
}

}  // namespace
}  // namespace npulab::serve
