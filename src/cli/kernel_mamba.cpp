// `npulab kernel mamba --schedule v1|v2|v3 --batch B --seq T --channels C --state S`: the
// NKI tutorial's selective scan (kernels/mamba.h) on one NeuronCore, verified against the
// float64 recurrence (kernels/reference.h) and timed like every `npulab kernel`.
#include "cli/kernel_mamba.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "cli/kernel_job.h"
#include "cli/ranges.h"
#include "common/error.h"
#include "kernels/host_io.h"
#include "kernels/mamba.h"

namespace npulab::cli {

namespace {

struct MambaArgs {
  Common common;
  std::string schedule = "v2";
  kernels::MambaShape shape;
};

KernelJob mamba_job(const MambaArgs& a) {
  const Common& c = a.common;
  if (parse_dt(c.dtype, "dtype") != DType::F32) fail("mamba: --dtype {}: the kernel is FP32 (use --dtype f32)", c.dtype);
  const kernels::MambaShape s = a.shape;
  const kernels::MambaSchedule v = kernels::parse_mamba_schedule(a.schedule);
  const uint64_t rows = s.batch * s.channels, brow = s.batch * s.state;
  KernelJob j;
  j.title = fmt::format("mamba {} batch {} seq {} channels {} state {} f32", a.schedule, s.batch, s.seq, s.channels,
                        s.state);
  j.build = [=](kernels::Builder& b) {
    kernels::mamba(b, b.input("delta", DType::F32, {rows, s.seq}), b.input("u", DType::F32, {rows, s.seq}),
                   b.input("A", DType::F32, {s.channels, s.state}), b.input("B", DType::F32, {brow, s.seq}),
                   b.input("C", DType::F32, {brow, s.seq}), b.output("out", DType::F32, {rows, s.seq}), s, v);
    return std::string();
  };
  auto in = std::make_shared<std::map<std::string, std::vector<float>>>();
  j.inputs = [=](const isa::Executable&) {
    // Mamba's ranges: delta = softplus(.) > 0 (small steps), A < 0 (decaying states).
    (*in)["delta"] = kernels::random_values(rows * s.seq, c.seed, 0.001f, 0.1f);
    (*in)["u"] = kernels::random_values(rows * s.seq, c.seed + 1, -1.0f, 1.0f);
    (*in)["A"] = kernels::random_values(s.channels * s.state, c.seed + 2, -4.0f, -0.5f);
    (*in)["B"] = kernels::random_values(brow * s.seq, c.seed + 3, -1.0f, 1.0f);
    (*in)["C"] = kernels::random_values(brow * s.seq, c.seed + 4, -1.0f, 1.0f);
    return *in;
  };
  j.verify = [=](const std::map<std::string, std::vector<float>>& o, bool& ok) {
    const std::vector<double> want = kernels::ref::mamba(in->at("delta"), in->at("u"), in->at("A"), in->at("B"),
                                                         in->at("C"), s.batch, s.channels, s.seq, s.state);
    const auto& y = o.at("out");
    // FP32 recurrences and sums against float64: a few ulps per state and step.
    const double rtol = 1e-4, atol = 1e-5;
    kernels::ref::Compare cmp;
    for (size_t i = 0; i < want.size(); ++i) cmp.add(y[i], want[i], atol + rtol * std::fabs(want[i]));
    ok = cmp.ok();
    return compare_line(cmp, fmt::format("{:.2g} + {:.2g}*|want| vs the float64 recurrence", atol, rtol));
  };
  return j;
}

}  // namespace

std::function<std::optional<int>()> add_mamba_kernel(CLI::App& app) {
  auto a = std::make_shared<MambaArgs>();
  CLI::App* s = app.add_subcommand("mamba", "the Mamba selective scan of the NKI fused-Mamba tutorial (v1/v2/v3)");
  s->add_option("--schedule", a->schedule, "the tutorial's loop order: v1, v2 or v3 (v2 in chunks of 512 steps)")
      ->capture_default_str();
  s->add_option("--batch", a->shape.batch, "batch")->capture_default_str()->check(int_range(1, 64));
  s->add_option("--seq", a->shape.seq, "sequence length (free axis)")->capture_default_str()->check(int_range(1, 65536));
  s->add_option("--channels", a->shape.channels, "channels (a multiple of 128: partitions)")
      ->capture_default_str()
      ->check(int_range(128, 65536));
  s->add_option("--state", a->shape.state, "SSM state size")->capture_default_str()->check(int_range(1, 256));
  add_common(s, a->common, "f32");
  return [a, s]() -> std::optional<int> {
    if (!s->parsed()) return std::nullopt;
    KernelJob j = mamba_job(*a);
    return run_job(a->common, j);
  };
}

}  // namespace npulab::cli
