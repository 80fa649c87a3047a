// A bench run as bytes, so the ranks of an MPI launch (docs/SYSTEMS.md, "One run over MPI
// ranks") can each run part of a sweep and rank 0 can write exactly what a single process
// writes: every field of BenchRun, the engine's sequences included (a sequence's request is
// sent as its id and found again in the workload, which every rank builds alike).
#pragma once
#include <span>

#include "dist/bytes.h"
#include "serve/report.h"

namespace npulab::serve {

void encode_run(dist::ByteWriter& w, const BenchRun& r);
// `requests`: the workload the run was made from (requests[i].id == i); its sequences point
// into it.
BenchRun decode_run(dist::ByteReader& r, std::span<const Request> requests);

}  // namespace npulab::serve
