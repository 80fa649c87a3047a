#!/usr/bin/env python3
"""Trains models/austen: a small Llama-architecture language model and its SentencePiece BPE
tokenizer on Jane Austen's six novels, and writes them as a Hugging Face directory.

Corpus: Debian's r-cran-janeaustenr package (the novels as R character vectors, one line of
the printed text each). R reads its own lazy-load database, so the package is installed and
Rscript prints the vectors; the package's name, version and the sha256 of every extracted
text are recorded in training.json.

    apt-get install --no-install-recommends r-cran-janeaustenr   # pulls r-base-core
    nice -n 19 python3 models/austen/train.py                    # ~10 CPU minutes (training.json: cost)

Everything is seeded (the tokenizer trainer is deterministic given its input order; torch
uses deterministic algorithms and one thread, data order from a seeded generator), so a rerun
on the same Debian 12 packages gives the same files; another thread count or CPU may change
the low bits of the float sums and hence the weights. One thread, not two: on the shared
2-vCPU machine (load ~18) two threads took 2.2x the CPU time and 2.1x the wall time of one
per step (OpenMP threads spin while waiting for each other).

Model (HF LlamaForCausalLM semantics): RMSNorm, rotate_half RoPE, grouped-query attention
(fewer K/V heads than query heads), SwiGLU MLP, tied input/output embedding. Trained in FP32;
the weights are stored as BF16 (model.safetensors), and the recorded losses include the BF16
weights' validation loss. The exported directory is checked against the HF forward pass
written out in tests/llm/fixtures/gen_tiny_hf.py before it is written.

Outputs (in --out, default: this script's directory): config.json, generation_config.json,
model.safetensors, tokenizer.model, tokenizer_config.json, special_tokens_map.json,
training.json (corpus, settings, losses, a greedy sample).
"""
import argparse
import hashlib
import io
import json
import math
import os
import re
import subprocess
import sys
import time

import sentencepiece as spm
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "llm", "fixtures"))
import gen_tiny_hf  # noqa: E402  (HF forward pass and safetensors writer)

PACKAGE = "r-cran-janeaustenr"
# The R object names, in the order the package's austen_books() lists them.
NOVELS = [("sensesensibility", "Sense & Sensibility"), ("prideprejudice", "Pride & Prejudice"),
          ("mansfieldpark", "Mansfield Park"), ("emma", "Emma"),
          ("northangerabbey", "Northanger Abbey"), ("persuasion", "Persuasion")]

SETTINGS = dict(
    seed=1234,
    threads=1,                 # see the module docstring
    val_fraction=0.05,         # the last 5% of each novel's paragraphs
    # tokenizer (sentencepiece trainer options)
    vocab_size=2048,
    # model
    dim=128, n_layers=4, n_heads=4, n_kv_heads=2, hidden=352, context=128,
    rope_theta=10000.0, rms_eps=1e-5,
    # optimisation (batch x context = 2048 tokens a step; 400 steps = 0.77 epochs)
    steps=400, batch=16, lr=3e-3, min_lr_ratio=0.1, warmup=30, weight_decay=0.1,
    betas=(0.9, 0.95), grad_clip=1.0, eval_every=200, train_eval_windows=200,
    sample_prompt="It is a truth universally acknowledged", sample_tokens=48,
)
SP_OPTIONS = dict(model_type="bpe", byte_fallback=True, character_coverage=1.0,
                  normalization_rule_name="identity", add_dummy_prefix=False,
                  remove_extra_whitespaces=False, split_digits=True, max_sentence_length=1 << 16,
                  num_threads=1, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, minloglevel=2)


# ----------------------------------------------------------------------------- corpus
def extract_corpus():
    """The six novels as printed by R from the installed package: {object: text}."""
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", PACKAGE], check=True,
                                 capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        sys.exit("%s is not installed: apt-get install --no-install-recommends %s" % (PACKAGE, PACKAGE))
    texts = {}
    for obj, _ in NOVELS:
        r = "library(janeaustenr); writeLines(%s, useBytes = TRUE)" % obj
        texts[obj] = subprocess.run(["Rscript", "-e", r], check=True, capture_output=True).stdout.decode("utf-8")
    return version, texts


def paragraphs(text):
    """Paragraphs are separated by blank lines; a paragraph's hard-wrapped lines are joined
    with single spaces (the printed line breaks carry no meaning)."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def sha256(s):
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- model
class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.H, self.KV, self.hd = s["n_heads"], s["n_kv_heads"], s["dim"] // s["n_heads"]
        self.q_proj = nn.Linear(s["dim"], self.H * self.hd, bias=False)
        self.k_proj = nn.Linear(s["dim"], self.KV * self.hd, bias=False)
        self.v_proj = nn.Linear(s["dim"], self.KV * self.hd, bias=False)
        self.o_proj = nn.Linear(self.H * self.hd, s["dim"], bias=False)

    def forward(self, x, cos, sin, mask):
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.H, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.KV, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.KV, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.H // self.KV, dim=1)
        v = v.repeat_interleave(self.H // self.KV, dim=1)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.hd) + mask, dim=-1)
        return self.o_proj((att @ v).transpose(1, 2).reshape(B, T, self.H * self.hd))


class Mlp(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.gate_proj = nn.Linear(s["dim"], s["hidden"], bias=False)
        self.up_proj = nn.Linear(s["dim"], s["hidden"], bias=False)
        self.down_proj = nn.Linear(s["hidden"], s["dim"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.input_layernorm = RMSNorm(s["dim"], s["rms_eps"])
        self.self_attn = Attention(s)
        self.post_attention_layernorm = RMSNorm(s["dim"], s["rms_eps"])
        self.mlp = Mlp(s)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.embed_tokens = nn.Embedding(s["vocab_size"], s["dim"])
        self.layers = nn.ModuleList(Block(s) for _ in range(s["n_layers"]))
        self.norm = RMSNorm(s["dim"], s["rms_eps"])


class LlamaForCausalLM(nn.Module):
    """Parameter names are the HF checkpoint's (model.layers.N.self_attn.q_proj.weight, ...);
    the output projection is the embedding (tie_word_embeddings)."""

    def __init__(self, s):
        super().__init__()
        self.model = Decoder(s)
        hd = s["dim"] // s["n_heads"]
        inv = 1.0 / (s["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.int64).float() / hd))
        freqs = torch.outer(torch.arange(s["context"], dtype=torch.float32), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.register_buffer("mask", torch.full((s["context"], s["context"]), float("-inf")).triu(1),
                             persistent=False)
        g = torch.Generator().manual_seed(s["seed"])
        resid_std = 0.02 / math.sqrt(2 * s["n_layers"])  # GPT-2 style scaling of residual writes
        for name, p in self.named_parameters():
            if name.endswith("layernorm.weight") or name == "model.norm.weight":
                continue
            std = resid_std if name.endswith(("o_proj.weight", "down_proj.weight")) else 0.02
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * std)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.model.embed_tokens(idx)
        for layer in self.model.layers:
            x = layer(x, self.cos[:T], self.sin[:T], self.mask[:T, :T])
        return self.model.norm(x) @ self.model.embed_tokens.weight.T


# ----------------------------------------------------------------------------- training
def lr_at(step, s):
    if step < s["warmup"]:
        return s["lr"] * (step + 1) / s["warmup"]
    t = (step - s["warmup"]) / max(1, s["steps"] - s["warmup"])
    return s["lr"] * (s["min_lr_ratio"] + (1 - s["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * t)))


@torch.no_grad()
def mean_loss(model, windows, batch=32):
    total, n = 0.0, 0
    for i in range(0, len(windows), batch):
        w = windows[i:i + batch]
        logits = model(w[:, :-1])
        total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1),
                                 reduction="sum").item()
        n += w[:, 1:].numel()
    return total / n


def chop(stream, T):
    n = (len(stream) - 1) // T
    return torch.stack([stream[i * T:i * T + T + 1] for i in range(n)])


def train(model, train_stream, val_windows, s, log):
    g = torch.Generator().manual_seed(s["seed"] + 1)
    decay = [p for n, p in model.named_parameters() if p.dim() == 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": s["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=s["lr"], betas=s["betas"])
    T, history, t0 = s["context"], [], time.time()
    train_losses = []
    for step in range(s["steps"]):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, s)
        starts = torch.randint(0, len(train_stream) - T - 1, (s["batch"],), generator=g)
        w = torch.stack([train_stream[i:i + T + 1] for i in starts.tolist()])
        logits = model(w[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
        opt.step()
        train_losses.append(loss.item())
        if (step + 1) % s["eval_every"] == 0 or step + 1 == s["steps"]:
            val = mean_loss(model, val_windows)
            recent = sum(train_losses[-50:]) / len(train_losses[-50:])
            history.append({"step": step + 1, "train_loss_last50": round(recent, 4), "val_loss": round(val, 4),
                            "elapsed_s": round(time.time() - t0, 1)})
            log("step %d  train %.4f  val %.4f  (%.0f s)" % (step + 1, recent, val, time.time() - t0))
    return history


@torch.no_grad()
def greedy(model, ids, n):
    ids = list(ids)
    for _ in range(n):
        ids.append(int(model(torch.tensor([ids[-model.cos.shape[0]:]]))[0, -1].argmax()))
    return ids


# ----------------------------------------------------------------------------- export
def hf_cfg(s):
    """The settings in gen_tiny_hf's vocabulary (its forward pass and config writer)."""
    return dict(arch="LlamaForCausalLM", dim=s["dim"], n_layers=s["n_layers"], n_heads=s["n_heads"],
                n_kv_heads=s["n_kv_heads"], head_dim=s["dim"] // s["n_heads"], hidden=s["hidden"],
                vocab=s["vocab_size"], max_pos=s["context"], rope_theta=s["rope_theta"], rms_eps=s["rms_eps"],
                tied=True, qkv_bias=False, dtype=torch.bfloat16)


def check_hf_semantics(model, weights, s, stream):
    """The exported weights, run through the HF forward pass written out independently in
    gen_tiny_hf.py, must give this module's logits."""
    tokens = stream[:64].tolist()
    with torch.no_grad():
        ours = model(torch.tensor([tokens]))[0]
    theirs = gen_tiny_hf.forward(hf_cfg(s), weights, tokens)
    err = float((ours - theirs).abs().max())
    if err > 1e-3:
        sys.exit("exported weights do not follow HF Llama semantics: max logit difference %g" % err)
    return err


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def export(out, model, sp_bytes, s, record):
    os.makedirs(out, exist_ok=True)
    config = gen_tiny_hf.hf_config(hf_cfg(s))
    config.update(model_type="llama", attention_bias=False)
    write_json(os.path.join(out, "config.json"), config)
    write_json(os.path.join(out, "generation_config.json"),
               {"bos_token_id": 1, "eos_token_id": 2, "do_sample": False, "max_length": s["context"]})
    stored = {k: v.detach().to(torch.bfloat16) for k, v in model.state_dict().items()}
    gen_tiny_hf.write_safetensors(os.path.join(out, "model.safetensors"), stored)
    with open(os.path.join(out, "tokenizer.model"), "wb") as f:
        f.write(sp_bytes)
    write_json(os.path.join(out, "tokenizer_config.json"),
               {"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
                "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False, "legacy": True,
                "model_max_length": s["context"], "clean_up_tokenization_spaces": False})
    write_json(os.path.join(out, "special_tokens_map.json"),
               {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})
    write_json(os.path.join(out, "training.json"), record)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE, help="output directory (default: this script's)")
    ap.add_argument("--smoke", action="store_true",
                    help="check the pipeline in a minute: 300 paragraphs a novel, 512 pieces, 3 steps")
    args = ap.parse_args()
    s = dict(SETTINGS)
    if args.smoke:
        s.update(steps=3, vocab_size=512, eval_every=2, train_eval_windows=4, sample_tokens=4)
    torch.manual_seed(s["seed"])
    torch.set_num_threads(s["threads"])
    torch.use_deterministic_algorithms(True)
    t_start, cpu_start = time.time(), time.process_time()
    log = lambda msg: print("[%6.0f s] %s" % (time.time() - t_start, msg), flush=True)  # noqa: E731

    version, texts = extract_corpus()
    train_docs, val_docs, train_paras = {}, {}, []
    for obj, _ in NOVELS:
        ps = paragraphs(texts[obj])[:300 if args.smoke else None]
        n_val = max(1, round(len(ps) * s["val_fraction"]))
        train_docs[obj], val_docs[obj] = "\n".join(ps[:-n_val]), "\n".join(ps[-n_val:])
        train_paras += ps[:-n_val]
    log("corpus: %s %s, %d characters, %d training paragraphs"
        % (PACKAGE, version, sum(map(len, texts.values())), len(train_paras)))

    sp_model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(train_paras), model_writer=sp_model,
                                   vocab_size=s["vocab_size"], **SP_OPTIONS)
    sp = spm.SentencePieceProcessor(model_proto=sp_model.getvalue())
    log("tokenizer: %d pieces" % sp.get_piece_size())

    # Each novel is one stream: BOS, its paragraphs separated by "\n" (a byte token), EOS.
    def stream(docs):
        ids = []
        for obj, _ in NOVELS:
            ids += [sp.bos_id()] + sp.encode(docs[obj]) + [sp.eos_id()]
        return torch.tensor(ids, dtype=torch.int64)

    train_stream, val_stream = stream(train_docs), stream(val_docs)
    val_windows = chop(val_stream, s["context"])
    log("tokens: %d train, %d validation (%.2f characters per token)"
        % (len(train_stream), len(val_stream), sum(map(len, train_docs.values())) / len(train_stream)))

    model = LlamaForCausalLM(s)
    n_params = sum(p.numel() for p in model.parameters())
    log("model: %d parameters" % n_params)
    history = train(model, train_stream, val_windows, s, log)

    g = torch.Generator().manual_seed(s["seed"] + 2)
    starts = torch.randint(0, len(train_stream) - s["context"] - 1, (s["train_eval_windows"],), generator=g)
    train_windows = torch.stack([train_stream[i:i + s["context"] + 1] for i in starts.tolist()])
    with torch.no_grad():  # the stored (BF16) weights, widened: what every user of the files runs
        for p in model.parameters():
            p.copy_(p.bfloat16().float())
    val_bf16, train_bf16 = mean_loss(model, val_windows), mean_loss(model, train_windows)
    weights = {k: v.detach().clone() for k, v in model.state_dict().items()}
    err = check_hf_semantics(model, weights, s, val_stream)
    prompt = [sp.bos_id()] + sp.encode(s["sample_prompt"])
    sample = sp.decode(greedy(model, prompt, s["sample_tokens"]))
    log("bf16 weights: train %.4f  val %.4f; HF check max |diff| %.2e" % (train_bf16, val_bf16, err))
    log("greedy: %s" % sample)

    record = {
        "corpus": {
            "debian_package": PACKAGE, "version": version,
            "source": "R objects %s of package janeaustenr, printed by Rscript writeLines"
                      % ", ".join(o for o, _ in NOVELS),
            "novels": [{"object": o, "title": t, "lines": texts[o].count("\n"), "characters": len(texts[o]),
                        "sha256": sha256(texts[o])} for o, t in NOVELS],
            "sha256_all": sha256("".join(texts[o] for o, _ in NOVELS)),
            "preprocessing": "paragraphs split at blank lines, each paragraph's lines joined with single "
                             "spaces; per novel: BOS, paragraphs joined by '\\n', EOS; validation = the "
                             "last %g%% of each novel's paragraphs" % (100 * s["val_fraction"]),
            "train_tokens": len(train_stream), "val_tokens": len(val_stream),
        },
        "tokenizer": {"trainer": "sentencepiece %s SentencePieceTrainer (trained on the training paragraphs)"
                                 % spm.__version__,
                      "options": SP_OPTIONS, "vocab_size": s["vocab_size"]},
        "settings": s, "parameters": n_params,
        "software": {"torch": torch.__version__, "python": sys.version.split()[0]},
        "history": history,
        "final": {"train_loss_bf16": round(train_bf16, 4), "val_loss_bf16": round(val_bf16, 4),
                  "train_loss_windows": s["train_eval_windows"], "val_windows": len(val_windows),
                  "hf_semantics_max_logit_diff": err},
        "greedy_sample": {"prompt": s["sample_prompt"], "tokens": s["sample_tokens"], "text": sample},
        "cost": {"wall_s": round(time.time() - t_start), "cpu_s": round(time.process_time() - cpu_start)},
    }
    export(args.out, model, sp_model.getvalue(), s, record)
    log("wrote %s" % args.out)


if __name__ == "__main__":
    main()
