// What each recorded patch site of a step program is (kernels::Builder::set_tag): the
// instructions whose fields depend on the step's tokens or position, tagged while they are
// emitted so patch_decode_step / patch_step_tokens find them without searching the program.
#pragma once
#include <cstdint>

namespace npulab::llm::compile {

enum class PatchSite : uint32_t {
  None = 0,     // untagged (Builder::set_tag(0))
  EmbedRow,     // DMA: embedding row of a token -> its staging row (source moves with the token)
  RopeRow,      // DMA: the RoPE cos/sin rows of the position(s)
  KAppend,      // DMA: K^T columns of this step -> the K cache (destination moves with the position)
  VAppend,      // DMA: V rows of this step -> the V cache (partition-major rows: ModelLayout::v_row)
  BucketMask,   // affine_select: keys after the current position masked (its base moves with it)
};

inline uint32_t tag(PatchSite s) { return uint32_t(s); }

}  // namespace npulab::llm::compile
