// `kernel`: one standard kernel (src/kernels) built for one NeuronCore of a chip and timed by
// the simulator in timing-only mode, as `npulab kernel <name> --timing-only` runs it.
#include <fmt/format.h>

#include "arch/chip.h"
#include "common/error.h"
#include "kernels/gemm.h"
#include "kernels/kernels.h"
#include "kernels/mamba.h"
#include "sim/simulator.h"
#include "validate/kinds.h"

namespace npulab::validate {
namespace {

using kernels::Builder;

struct KernelSetup {
  std::string hw, kernel, layout = "mk", schedule = "v2";
  DType dtype = DType::BF16, out = DType::BF16;
  uint64_t m = 0, n = 0, k = 0, rows = 0, cols = 0;
  kernels::MambaShape mamba;
};

constexpr int64_t kMaxDim = 65536;  // as `npulab kernel`

// The kernels a case can name: what each builds and which shape keys it reads.
enum class ShapeKeys { Matmul, Rows, Mamba };  // m, n, k, layout | rows, cols | schedule, batch, seq, channels, state
struct KernelDef {
  const char* name;
  ShapeKeys keys;
  void (*build)(Builder& b, const KernelSetup& s);
};

void build_gemm(Builder& b, const KernelSetup& s) {
  kernels::GemmOptions go;
  go.a_layout = s.layout == "km" ? kernels::ALayout::KM : kernels::ALayout::MK;
  auto A = go.a_layout == kernels::ALayout::KM ? b.input("A", s.dtype, {s.k, s.m}) : b.input("A", s.dtype, {s.m, s.k});
  kernels::gemm(b, A, b.input("B", s.dtype, {s.k, s.n}), b.output("C", s.out, {s.m, s.n}), go);
}
void build_layernorm(Builder& b, const KernelSetup& s) {
  kernels::layernorm(b, b.input("X", s.dtype, {s.rows, s.cols}), b.input("gamma", DType::F32, {s.cols}),
                     b.input("beta", DType::F32, {s.cols}), b.output("Y", s.out, {s.rows, s.cols}), 1e-5f);
}
void build_rmsnorm(Builder& b, const KernelSetup& s) {
  kernels::rmsnorm(b, b.input("X", s.dtype, {s.rows, s.cols}), b.input("gamma", DType::F32, {s.cols}),
                   b.output("Y", s.out, {s.rows, s.cols}), 1e-6f);
}
void build_softmax(Builder& b, const KernelSetup& s) {
  kernels::softmax(b, b.input("X", s.dtype, {s.rows, s.cols}), b.output("Y", s.out, {s.rows, s.cols}));
}

void build_mamba(Builder& b, const KernelSetup& s) {
  const kernels::MambaShape& m = s.mamba;
  const uint64_t rows = m.batch * m.channels, brow = m.batch * m.state;
  kernels::mamba(b, b.input("delta", DType::F32, {rows, m.seq}), b.input("u", DType::F32, {rows, m.seq}),
                 b.input("A", DType::F32, {m.channels, m.state}), b.input("B", DType::F32, {brow, m.seq}),
                 b.input("C", DType::F32, {brow, m.seq}), b.output("out", DType::F32, {rows, m.seq}), m,
                 kernels::parse_mamba_schedule(s.schedule));
}

constexpr KernelDef kKernels[] = {
    {"gemm", ShapeKeys::Matmul, build_gemm},
    {"layernorm", ShapeKeys::Rows, build_layernorm},
    {"rmsnorm", ShapeKeys::Rows, build_rmsnorm},
    {"softmax", ShapeKeys::Rows, build_softmax},
    {"mamba", ShapeKeys::Mamba, build_mamba},
};

Prediction run(const KernelSetup& s, const KernelDef& def, const RunContext& ctx) {
  const arch::ChipConfig chip = arch::load_chip_by_name(s.hw, ctx.path);
  Builder b(chip, def.name);
  def.build(b, s);
  const isa::Executable exe = b.finish();
  sim::Chip sim(chip, sim::Mode::TimingOnly);
  sim::SimOptions opt;
  opt.mode = sim::Mode::TimingOnly;
  opt.check_races = false;
  const sim::SimResult r = sim.run(exe, opt);
  Prediction p;
  p.metrics["time_us"] = r.total_ns / 1e3;
  if (def.keys == ShapeKeys::Matmul) p.metrics["tflops"] = 2.0 * double(s.m) * double(s.n) * double(s.k) / r.total_ns / 1e3;
  p.system_kind = "npu";
  p.note = fmt::format("{} on one NeuronCore of {}, {} instructions, timing-only", def.name, chip.name, exe.num_instrs());
  return p;
}

DType dtype_of(CaseReader& r, const std::string& key, const std::string& s) {
  const auto d = parse_dtype(s);
  if (!d) r.fail_at(key, fmt::format("unknown dtype '{}' (try f32, bf16, f16, f8e4m3)", s));
  return *d;
}

CaseRun parse(CaseReader& r, bool resolve) {
  KernelSetup s;
  s.hw = r.string("hw");
  s.kernel = r.string("kernel");
  const KernelDef* def = nullptr;
  std::vector<std::string> names;
  for (const KernelDef& d : kKernels) {
    names.push_back(d.name);
    if (s.kernel == d.name) def = &d;
  }
  if (!def && resolve)
    r.fail_at("kernel", fmt::format("unknown kernel '{}' (known: {})", s.kernel, fmt::join(names, ", ")));
  if (!def) {
    // A kernel npulab does not have yet (a case not expressible): its shape keys are typed, not used.
    (void)r.string("dtype");
    for (const char* key : {"m", "n", "k", "rows", "cols"}) (void)r.opt_integer(key, 1, kMaxDim);
    return {};
  }
  s.dtype = dtype_of(r, "dtype", r.string("dtype"));
  s.out = s.dtype == DType::F32 ? DType::F32 : DType::BF16;  // `npulab kernel`'s default output dtype
  if (auto o = r.opt_string("out_dtype")) s.out = dtype_of(r, "out_dtype", *o);
  if (def->keys == ShapeKeys::Mamba) {
    s.schedule = r.string("schedule");
    if (s.schedule != "v1" && s.schedule != "v2" && s.schedule != "v3")
      r.fail_at("schedule", fmt::format("expected v1, v2 or v3, got '{}'", s.schedule));
    if (s.dtype != DType::F32) r.fail_at("dtype", "the mamba kernel is FP32 (dtype = \"f32\")");
    s.mamba.batch = uint64_t(r.integer("batch", 1, 64));
    s.mamba.seq = uint64_t(r.integer("seq", 1, kMaxDim));
    s.mamba.channels = uint64_t(r.integer("channels", 128, kMaxDim));
    s.mamba.state = uint64_t(r.integer("state", 1, 256));
  } else if (def->keys == ShapeKeys::Matmul) {
    s.m = uint64_t(r.integer("m", 1, kMaxDim));
    s.n = uint64_t(r.integer("n", 1, kMaxDim));
    s.k = uint64_t(r.integer("k", 1, kMaxDim));
    s.layout = r.opt_string("layout").value_or("mk");
    if (s.layout != "mk" && s.layout != "km") r.fail_at("layout", fmt::format("expected mk or km, got '{}'", s.layout));
  } else {
    s.rows = uint64_t(r.integer("rows", 1, kMaxDim));
    s.cols = uint64_t(r.integer("cols", 1, kMaxDim));
  }
  if (!resolve) return {};
  return [s, def](const RunContext& ctx) { return run(s, *def, ctx); };
}

}  // namespace

CaseKind kernel_kind() {
  return {"kernel", "a standard kernel on one NeuronCore, timed by the simulator (npulab kernel --timing-only)",
          {"time_us", "tflops"}, parse};
}

}  // namespace npulab::validate
