#include "serve/request.h"

namespace npulab::serve {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::None: return "none";
    case FinishReason::Length: return "length";
    case FinishReason::Eos: return "stop";
    case FinishReason::Rejected: return "rejected";
  }
  return "?";
}

int32_t Sequence::token(int64_t i) const {
  const int64_t p = prompt_len();
  if (i < p) return req->prompt[i];
  const int64_t j = i - p;
  if (j < int64_t(output.size())) return output[size_t(j)];
  // Ids never shown to anyone: only their equality matters (prefix hashing of output blocks).
  return synthetic_token(req->seed ^ 0x6f75747075747321ull, j, int64_t(1) << 30);
}

}  // namespace npulab::serve
