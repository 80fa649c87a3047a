// Replay of request traces: arrival time, input length and output length per request, from
// a JSONL or CSV file in one of the column layouts below (a fixed table; the layout is
// recognised by the CSV header or the JSON keys of the first record):
//   npulab    CSV header arrival_s,input_len,output_len  or JSONL {"arrival_s", "input_len", "output_len"}
//   azure     Azure LLM inference traces (AzurePublicDataset, 2023/2024):
//             CSV TIMESTAMP,ContextTokens,GeneratedTokens, TIMESTAMP "YYYY-MM-DD HH:MM:SS.fffffff"
//   burstgpt  BurstGPT: CSV Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type,
//             Timestamp in seconds; rows with 0 response tokens (failed requests) are skipped
//   mooncake  Mooncake traces: JSONL {"timestamp" (ms), "input_length", "output_length",
//             "hash_ids"}: each hash id names a 512-token block of the prompt, equal ids = equal
//             blocks (so prefix caching sees what the trace's requests shared)
// Times are made relative to the first request. Errors name the file, line and column.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "serve/request.h"

namespace npulab::serve {

struct TraceRecord {
  double arrival_s = 0;
  int64_t input_len = 0, output_len = 0;
  std::vector<int64_t> hash_ids;  // mooncake: the prompt's 512-token blocks
};

struct Trace {
  std::string layout;  // which layout matched
  std::vector<TraceRecord> records;
  int64_t skipped = 0;  // rows the layout drops (BurstGPT failures)
};

Trace read_trace(const std::string& path);

// Requests for a trace: synthetic prompt ids of the traced lengths (mooncake: ids derived from
// the hash ids, so shared blocks hold equal ids), `vocab` the id range; at most `limit`
// requests (0 = all). `time_scale` multiplies the gaps (0.5 = twice as fast).
std::vector<Request> trace_requests(const Trace& t, int64_t vocab, uint64_t seed, int64_t limit, double time_scale,
                                    bool ignore_eos);

// Split one CSV line (RFC 4180: fields may be double-quoted, "" inside quotes is a quote).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace npulab::serve
