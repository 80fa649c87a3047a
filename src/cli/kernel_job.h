// What `npulab kernel`'s single-core subcommands share (cmd_kernel.cpp, kernel_mamba.cpp):
// the common options and a job (build the program, give inputs, check outputs) that
// run_job builds, simulates, verifies against a host reference and reports.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/emit_program.h"
#include "isa/instr.h"
#include "kernels/builder.h"
#include "kernels/reference.h"
#include "numerics/dtype.h"

namespace npulab::cli {

struct Common {
  std::string hw = "trn2", dtype = "f32", out_dtype, trace;
  bool timing_only = false, no_race_check = false;
  uint32_t dma_sets = kernels::BuilderOptions{}.dma_queue_sets;
  uint64_t seed = 1;
  EmitArgs emit{"", ""};  // --emit asm|npx: print the built program instead of running it
};

// --hw, --dtype, --out-dtype, --timing-only, --trace, --seed, --no-race-check, --dma-sets, --emit.
void add_common(CLI::App* s, Common& c, const char* default_dtype);
DType parse_dt(const std::string& s, const char* opt);
// --out-dtype, else f32 for f32 inputs and bf16 otherwise.
DType out_dtype_of(const Common& c, DType in);
// The rounding error of one rounding to t (relative).
double out_eps(DType t);

// What a kernel subcommand provides: build the program, give inputs, check outputs.
struct KernelJob {
  std::string title;
  double useful_flops = 0;  // for TFLOPS (matmul work), 0 if not a matmul kernel
  std::function<std::string(kernels::Builder&)> build;  // emits the kernel; returns its plan line (or "")
  // inputs by tensor name, as the chip will see them (rounded to the tensor dtype)
  std::function<std::map<std::string, std::vector<float>>(const isa::Executable&)> inputs;
  // compare outputs; returns a summary line; sets ok
  std::function<std::string(const std::map<std::string, std::vector<float>>&, bool&)> verify;
};

// Build, simulate (functional unless --timing-only), verify and report one job; the exit code.
int run_job(const Common& c, KernelJob& job);
// "PASS/FAIL — n elements checked, ..." for a finished comparison.
std::string compare_line(const kernels::ref::Compare& cmp, const std::string& tol);

}  // namespace npulab::cli
