// A request as a client sends it, and the engine's state of it while it is served (a
// "sequence", as vLLM calls the running form of a request).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "serve/tokens.h"

namespace npulab::serve {

struct Request {
  int64_t id = 0;            // index in the workload
  double arrival_s = 0;      // when the client would send it (before any concurrency limit)
  PromptTokens prompt;
  int64_t max_tokens = 1;    // output tokens wanted; fewer on EOS unless ignore_eos
  bool ignore_eos = true;    // synthetic benchmarks generate exactly max_tokens (vLLM --ignore-eos)
  uint64_t seed = 0;         // sampling seed (functional runs) and synthetic output ids (timing-only)
};

enum class SeqState : uint8_t { Pending, Waiting, Running, Finished, Failed };
enum class FinishReason : uint8_t { None, Length, Eos, Rejected };
const char* finish_reason_name(FinishReason r);

struct Sequence {
  const Request* req = nullptr;
  SeqState state = SeqState::Pending;
  int64_t num_computed = 0;           // tokens whose K/V are in the cache
  int64_t num_output = 0;             // tokens generated so far
  std::vector<int32_t> output;        // their ids, when the backend produces ids (functional)
  std::vector<int32_t> blocks;        // block table: the KV blocks holding its positions, in order
  std::vector<uint64_t> block_hashes; // hash of each full block of its tokens (prefix caching)
  int64_t num_registered = 0;         // leading blocks already in the prefix cache
  int64_t cached_tokens = 0;          // prompt tokens served from the prefix cache (first admission)
  int64_t preemptions = 0;
  double send_s = 0, first_token_s = -1, last_token_s = -1, finish_s = -1;
  FinishReason reason = FinishReason::None;
  std::string error;                  // why it failed (state Failed)

  int64_t prompt_len() const { return req->prompt.size(); }
  int64_t num_tokens() const { return prompt_len() + num_output; }
  // Token i of prompt + output: output ids when stored, else the synthetic stream of the
  // request's seed (timing-only runs do not produce ids, but prefix hashing needs some).
  int32_t token(int64_t i) const;
  bool finished() const { return state == SeqState::Finished || state == SeqState::Failed; }
};

}  // namespace npulab::serve
