// Temporary definitions of the data-opcode semantics not implemented yet, so that the
// simulator links while they are being written. Every function here is replaced by a
// real implementation in its own sim/semantics/*.cpp file; this file then disappears.
#include "common/error.h"
#include "sim/semantics.h"

namespace npulab::sim {

#define PENDING(name) \
  void sem_##name(const isa::Instr&, ExecCtx&) { fail("sem_" #name ": not implemented yet"); }
PENDING(dma_copy)
PENDING(matmul)
PENDING(transpose)
PENDING(tensor_tensor)
PENDING(tensor_scalar)
PENDING(tensor_reduce)
PENDING(tensor_copy)
PENDING(memset)
PENDING(iota)
PENDING(select)
PENDING(affine_select)
PENDING(max8)
PENDING(find_index8)
PENDING(activation)
PENDING(partition_reduce)
PENDING(shuffle)
#undef PENDING

}  // namespace npulab::sim
