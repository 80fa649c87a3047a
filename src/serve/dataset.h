// Datasets of real prompt texts, tokenized with the model's tokenizer (vLLM's ShareGPT
// dataset, as JSONL). One record per line, or one JSON array of records (the ShareGPT
// files as published):
//   {"conversations": [{"from": "human", "value": PROMPT}, {"from": "gpt", "value": REPLY}, ...]}
//     ("role"/"content" keys and "user"/"assistant" also accepted); the first turn is the
//     prompt, the second (if any) sets the output length (its token count);
//   {"prompt": PROMPT, "completion": REPLY} or {"prompt": PROMPT, "output_len": N}.
// Records with fewer than two turns and no output length take `default_output_len`.
// Errors name the file and line (record index for a JSON array).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "llm/tokenizer/tokenizer.h"
#include "serve/request.h"

namespace npulab::serve {

struct DatasetRecord {
  std::string prompt;
  std::string completion;      // empty when the record gives output_len instead
  int64_t output_len = -1;     // -1: from the completion's tokens, or the default
  int64_t line = 0;
};

std::vector<DatasetRecord> read_dataset(const std::string& path);

// Tokenize `records` (at most `limit`, 0 = all) into requests; `output_len` > 0 overrides
// every record's output length. Prompts get the tokenizer's BOS.
std::vector<Request> dataset_requests(const std::vector<DatasetRecord>& records, const llm::Tokenizer& tok,
                                      int64_t default_output_len, int64_t output_len, int64_t limit, uint64_t seed,
                                      bool ignore_eos);

}  // namespace npulab::serve
