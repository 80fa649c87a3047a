// `npulab compile <model> --step prefill|decode|preload [options] [--emit asm|npx] [-o FILE]`:
// compile one inference step of a model into its NeuronCore program, as the runner would
// build it (same layout and options as `npulab generate`), and print it as assembly text
// (docs/ISA.md) or write it as a .npx executable. Nothing is simulated and no weights are
// read (a step program depends on the config, the chip, the positions and the tokens only),
// so built-in configs work too. The golden tests (docs/TESTING.md) check this output.
#include <fmt/format.h>

#include <algorithm>

#include "arch/chip.h"
#include "cli/command.h"
#include "cli/emit_program.h"
#include "cli/ranges.h"
#include "cli/token_ids.h"
#include "cli/tp_args.h"
#include "common/error.h"
#include "llm/config_source.h"
#include "llm/compile/model_layout.h"
#include "llm/compile/resident_weights.h"
#include "llm/compile/step_compiler.h"
#include "llm/model.h"

namespace npulab::cli {
namespace {

using namespace npulab::llm;

struct CompileArgs {
  std::string model, step = "decode", hw = "trn2", dtype = "fp32", tokens;
  int64_t pos = 0, prompt_len = 0, batch = 1, context = 0, decode_bucket = 0;
  bool unroll_layers = false, no_resident_weights = false, ignore_capacity = false;
  TpArgs tp;
  EmitArgs emit;
};

// The step's tokens: --tokens, else token 1 (BOS of the llama family) per decode sequence or
// per prefill position. Tokens only pick embedding rows, so any valid id shows the structure.
std::vector<int64_t> step_tokens(const CompileArgs& a, bool decode) {
  if (!a.tokens.empty()) return parse_token_ids(a.tokens);
  const int64_t n = decode ? a.batch : (a.prompt_len > 0 ? a.prompt_len : 1);
  return std::vector<int64_t>(size_t(n), 1);
}

int run_compile(const CompileArgs& a) {
  if (a.step != "prefill" && a.step != "decode" && a.step != "preload")
    fail("--step must be prefill, decode or preload, got '{}'", a.step);
  const arch::ChipConfig chip = arch::load_chip_by_name(a.hw);
  const ModelConfig cfg = config_of(a.model);
  const bool decode = a.step == "decode";
  compile::CompileOptions co;
  co.weight_dtype = compile::parse_weight_dtype(a.dtype);
  co.batch = a.batch;
  co.unroll_layers = a.unroll_layers;
  co.resident_weights = !a.no_resident_weights;
  co.ignore_capacity = a.ignore_capacity;
  compile::StepSpec s;
  s.kind = decode ? compile::StepSpec::Kind::Decode : compile::StepSpec::Kind::Prefill;
  s.tokens = step_tokens(a, decode);
  s.pos0 = a.pos;
  s.key_bucket = a.decode_bucket;
  // The KV cache: --context, else just what the step reaches (the runner sizes it to the run).
  const int64_t reach = a.pos + (decode ? 1 : int64_t(s.tokens.size()));
  co.max_context = a.context > 0 ? a.context : std::min<int64_t>(cfg.max_seq_len, std::max<int64_t>(reach, 1));
  const std::string tp_note = resolve_tp(a.tp, cfg, chip, co);
  if (!tp_note.empty()) fmt::print(stderr, "npulab compile: {}\n", tp_note);
  const compile::TpLayout layout(cfg, chip, co);
  if (a.step == "preload") {
    if (!layout.resident_weights()) fail("model '{}': weights are not resident in SBUF, so there is no preload program", cfg.name);
    return emit_program(compile::compile_preload(layout), a.emit);
  }
  return emit_program(compile::compile_step(layout, s).exe, a.emit);
}

Run setup_compile(CLI::App& app) {
  auto a = std::make_shared<CompileArgs>();
  app.add_option("model", a->model, "llama2.c .bin, Hugging Face directory, .gguf, or a built-in config name")
      ->required();
  app.add_option("--step", a->step, "prefill, decode, or preload (the resident-weight load)")->capture_default_str();
  app.add_option("--hw", a->hw, "chip name or hw/*.toml path")->capture_default_str();
  app.add_option("--dtype", a->dtype, "matmul weight dtype: fp32, bf16 or fp8")->capture_default_str();
  app.add_option("--pos", a->pos, "position of the step's first token")->capture_default_str()->check(int_range(0, kMaxTokens));
  app.add_option("--tokens", a->tokens, "token ids, e.g. 1,2,3 (prefill: the chunk; decode: one per sequence)");
  app.add_option("--prompt-len", a->prompt_len, "prefill: tokens in the chunk when --tokens is not given (default 1)")
      ->check(int_range(0, kMaxTokens));
  app.add_option("--batch", a->batch, "decode batch (KV cache slots)")->check(int_range(1, kMaxBatch))->capture_default_str();
  app.add_option("--context", a->context, "KV cache length (default: what the step reaches)")->check(int_range(0, kMaxTokens));
  app.add_option("--decode-bucket", a->decode_bucket, "decode: attend over keys up to the end of this bucket");
  app.add_flag("--unroll-layers", a->unroll_layers, "every layer as straight-line code (no register loop)");
  app.add_flag("--no-resident-weights", a->no_resident_weights, "stream every weight from HBM");
  app.add_flag("--ignore-capacity", a->ignore_capacity, "layers share HBM addresses (models larger than HBM)");
  add_tp_options(app, a->tp);
  add_emit_options(app, a->emit);
  return [a] { return run_compile(*a); };
}

Registrar reg{"compile", "Compile one step of a model into a NeuronCore program and print it (assembly)",
              setup_compile};

}  // namespace
}  // namespace npulab::cli
