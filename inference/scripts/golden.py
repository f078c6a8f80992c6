#!/usr/bin/env python3
"""Golden reference files for `inference/tests/parity.rs`, made with Hugging Face transformers.

Requirements (CPU only, no network): torch, transformers (>= 5, for `GlmForCausalLM` with
`rope_parameters`), safetensors, numpy. Written against torch 2.15, transformers 5.25,
numpy 2.4; any recent versions should reproduce the files to within the tests' tolerances.

Regenerate both files, from the repository root:

    cargo run -p cutbridge-inference --example tiny_glm -- /tmp/tiny-glm
    python inference/scripts/golden.py glm /tmp/tiny-glm
    python inference/scripts/golden.py mel

`glm DIR` reads the tiny ChatGLM checkpoint that `inference::testing::write_tiny_glm(DIR, 7)`
writes (the layout THUDM ships for ChatGLM3 / GLM-4: `config.json` with model_type "chatglm",
BF16 safetensors shards and their index), converts it to transformers' `GlmForCausalLM` the way
transformers' own `convert_glm_weights_to_hf.py` does (see `convert_state_dict` and
`glm_config` below for the two places where this script deliberately differs from it), runs it
in float32 on the CPU with eager attention, and writes `inference/tests/golden/glm_tiny.json`.
As a check on the conversion, the same logits are also computed by an independent float64
implementation of the original ChatGLM code (`chatglm_reference`), and printed as a max
difference.

`mel` builds the test signal of `signal()` (a closed formula, SIGNAL_FORMULA, which the Rust
test recomputes), runs `transformers.WhisperFeatureExtractor` with 80 and 128 mel bins on it
(padded with zeros to 30 s, as its `__call__` does), and writes
`inference/tests/golden/whisper_logmel.json`. The values written are the extractor's numpy path
(float64 arithmetic: the exact formula to ~1e-7); its `__call__` with torch installed (the
float32 torch path) is checked against them and lands within ~6e-5. The Rust test compares
CutBridge's `LogMel::whisper_window` (float32) at the listed frames.

Both files round values to 7 significant digits (a relative error of at most 5e-8).
"""

import argparse
import hashlib
import inspect
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "tests", "golden")
REGENERATE_GLM = (
    "cargo run -p cutbridge-inference --example tiny_glm -- /tmp/tiny-glm && "
    "python inference/scripts/golden.py glm /tmp/tiny-glm"
)
REGENERATE_MEL = "python inference/scripts/golden.py mel"


def r7(x):
    """A float rounded to 7 significant digits (JSON keeps the short form)."""
    return float(f"{float(x):.7g}")


def fnv1a64(data: bytes) -> str:
    """64-bit FNV-1a of the bytes, as 16 lowercase hex digits: the Rust test recomputes it
    (offset basis 0xcbf29ce484222325, prime 0x100000001b3, xor then multiply, per byte)."""
    h = 0xCBF29CE484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def write_json(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    with open(path, "w") as f:
        f.write(text)
        f.write("\n")
    print(f"wrote {os.path.relpath(path)} ({len(text) / 1024:.0f} KiB)")


# ---------------------------------------------------------------------------------------------
# GLM
# ---------------------------------------------------------------------------------------------

# The token sequence of a case: a 64-bit LCG (Knuth's MMIX constants) from `seed`;
# state <- state * 6364136223846793005 + 1442695040888963407 (mod 2^64),
# token = (state >> 33) % 600.
# 600 is the tiny tokenizer's vocabulary (ids 0..600; the embedding is padded to 640). The ids are
# also written into the JSON, which is what the Rust test reads.
LCG_MUL = 6364136223846793005
LCG_ADD = 1442695040888963407
TOKEN_RANGE = 600


def lcg_tokens(seed, n):
    s = seed & 0xFFFFFFFFFFFFFFFF
    out = []
    for _ in range(n):
        s = (s * LCG_MUL + LCG_ADD) & 0xFFFFFFFFFFFFFFFF
        out.append((s >> 33) % TOKEN_RANGE)
    return out


# name, rope_ratio, LCG seed, sequence length, positions whose logits are kept. The Rust test
# feeds tokens[..=p] in chunks ending at each kept position p (one token at a time when they are
# consecutive), so these also cover a one-token prefill, a multi-token chunk after a cached
# prefix, and single-token decoding, at short and long (rotary) positions.
GLM_CASES = [
    ("short", 1.0, 1, 32, [0] + list(range(23, 32))),
    ("long", 1.0, 2, 300, [150, 298, 299]),
    # GLM-4 (and the 32k/128k ChatGLM3 variants) ship rope_ratio 500: the rotary base 5e6.
    ("long_rope500", 500.0, 3, 300, [31, 150, 298, 299]),
]


def load_chatglm(dirpath):
    from safetensors.torch import load_file

    with open(os.path.join(dirpath, "config.json")) as f:
        cfg = json.load(f)
    with open(os.path.join(dirpath, "model.safetensors.index.json")) as f:
        index = json.load(f)
    shards = sorted(set(index["weight_map"].values()))
    sd = {}
    fingerprints = []
    for name in shards:
        path = os.path.join(dirpath, name)
        with open(path, "rb") as f:
            data = f.read()
        fingerprints.append(
            {
                "file": name,
                "bytes": len(data),
                "fnv1a64": fnv1a64(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        # BF16 -> float32 is exact.
        sd.update({k: v.to(torch.float32) for k, v in load_file(path).items()})
    return cfg, sd, fingerprints


def glm_config(cfg, rope_ratio):
    """transformers' `GlmConfig` for a ChatGLM `config.json`, as `convert_config` in
    transformers' convert_glm_weights_to_hf.py maps it, except that `rope_ratio` is read from the
    config (that script's `getattr(original_config, "rope_ratio", 1)` on a dict always gives 1,
    which would lose GLM-4's 500) and is overridable here."""
    from transformers import GlmConfig

    assert cfg["model_type"] == "chatglm"
    assert cfg["rmsnorm"] and cfg["post_layer_norm"], "GlmForCausalLM is RMSNorm, final norm"
    assert not cfg["apply_residual_connection_post_layernorm"]
    assert not cfg["add_bias_linear"], "GlmForCausalLM has no bias on o_proj / the MLP"
    heads = cfg["num_attention_heads"]
    c = GlmConfig(
        vocab_size=cfg["padded_vocab_size"],
        hidden_size=cfg["hidden_size"],
        intermediate_size=cfg["ffn_hidden_size"],
        num_hidden_layers=cfg["num_layers"],
        num_attention_heads=heads,
        num_key_value_heads=cfg["multi_query_group_num"] if cfg["multi_query_attention"] else heads,
        head_dim=cfg["kv_channels"],
        hidden_act="silu",
        max_position_embeddings=cfg["seq_length"],
        rms_norm_eps=cfg["layernorm_epsilon"],
        attention_bias=cfg["add_qkv_bias"],
        tie_word_embeddings=False,
        pad_token_id=cfg.get("pad_token_id", 0),
        eos_token_id=cfg.get("eos_token_id", 0),
        # ChatGLM rotates the first half of each head (partial_rotary_factor 0.5, GLM's
        # default), in interleaved pairs (GLM's apply_rotary_pos_emb), base 10000 * rope_ratio.
        rope_parameters={
            "rope_type": "default",
            "rope_theta": 10000.0 * rope_ratio,
            "partial_rotary_factor": 0.5,
        },
    )
    c._attn_implementation = "eager"
    return c


def convert_state_dict(sd, cfg):
    """The ChatGLM names to GlmForCausalLM's (transformers' STATE_DICT_MAPPING), with
    `query_key_value` split into q|k|v by kv_channels (that script splits by
    hidden_size / num_attention_heads, which equals kv_channels for every released GLM)."""
    hd = cfg["kv_channels"]
    q_size = cfg["num_attention_heads"] * hd
    kv_size = cfg["multi_query_group_num"] * hd
    out = {
        "model.embed_tokens.weight": sd["transformer.embedding.word_embeddings.weight"],
        "model.norm.weight": sd["transformer.encoder.final_layernorm.weight"],
        "lm_head.weight": sd["transformer.output_layer.weight"],
    }
    for i in range(cfg["num_layers"]):
        src = f"transformer.encoder.layers.{i}."
        dst = f"model.layers.{i}."
        out[dst + "input_layernorm.weight"] = sd[src + "input_layernorm.weight"]
        out[dst + "post_attention_layernorm.weight"] = sd[src + "post_attention_layernorm.weight"]
        out[dst + "self_attn.o_proj.weight"] = sd[src + "self_attention.dense.weight"]
        out[dst + "mlp.gate_up_proj.weight"] = sd[src + "mlp.dense_h_to_4h.weight"]
        out[dst + "mlp.down_proj.weight"] = sd[src + "mlp.dense_4h_to_h.weight"]
        for kind in ("weight", "bias"):
            qkv = sd[src + f"self_attention.query_key_value.{kind}"]
            assert qkv.shape[0] == q_size + 2 * kv_size
            out[dst + f"self_attn.q_proj.{kind}"] = qkv[:q_size]
            out[dst + f"self_attn.k_proj.{kind}"] = qkv[q_size : q_size + kv_size]
            out[dst + f"self_attn.v_proj.{kind}"] = qkv[q_size + kv_size :]
    return out


def chatglm_reference(sd, cfg, rope_ratio, tokens):
    """An independent float64 forward pass written from THUDM's modeling_chatglm.py (original
    names, fused qkv, interleaved rotary on the first half of each head), for checking the
    conversion; (seq, vocab) logits."""
    d = torch.float64
    w = {k: v.to(d) for k, v in sd.items()}
    eps = cfg["layernorm_epsilon"]
    heads, groups, hd = cfg["num_attention_heads"], cfg["multi_query_group_num"], cfg["kv_channels"]
    n = len(tokens)
    rot = hd // 2
    inv = 1.0 / (10000.0 * rope_ratio) ** (torch.arange(0, rot, 2, dtype=d) / rot)
    ang = torch.arange(n, dtype=d)[:, None] * inv[None, :]  # (n, rot / 2)
    cos, sin = ang.cos()[:, None, :], ang.sin()[:, None, :]

    def rms(x, g):
        return g * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))

    def rope(x):  # (n, h, hd)
        xr, xp = x[..., :rot], x[..., rot:]
        xr = xr.reshape(n, x.shape[1], rot // 2, 2)
        x0, x1 = xr[..., 0], xr[..., 1]
        out = torch.stack([x0 * cos - x1 * sin, x1 * cos + x0 * sin], -1).flatten(-2)
        return torch.cat([out, xp], -1)

    x = w["transformer.embedding.word_embeddings.weight"][torch.tensor(tokens)]
    mask = torch.full((n, n), float("-inf"), dtype=d).triu(1)
    for i in range(cfg["num_layers"]):
        p = f"transformer.encoder.layers.{i}."
        h = rms(x, w[p + "input_layernorm.weight"])
        qkv = h @ w[p + "self_attention.query_key_value.weight"].T
        qkv = qkv + w[p + "self_attention.query_key_value.bias"]
        q = qkv[:, : heads * hd].reshape(n, heads, hd)
        k = qkv[:, heads * hd : (heads + groups) * hd].reshape(n, groups, hd)
        v = qkv[:, (heads + groups) * hd :].reshape(n, groups, hd)
        q, k = rope(q), rope(k)
        # Each group of heads shares one key/value head (ChatGLM's unsqueeze/expand).
        k = k.repeat_interleave(heads // groups, dim=1)
        v = v.repeat_interleave(heads // groups, dim=1)
        s = torch.einsum("qhd,khd->hqk", q, k) / math.sqrt(hd) + mask
        ctx = torch.einsum("hqk,khd->qhd", s.softmax(-1), v).reshape(n, heads * hd)
        x = x + ctx @ w[p + "self_attention.dense.weight"].T
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        a, b = (h @ w[p + "mlp.dense_h_to_4h.weight"].T).chunk(2, -1)
        x = x + (torch.nn.functional.silu(a) * b) @ w[p + "mlp.dense_4h_to_h.weight"].T
    x = rms(x, w["transformer.encoder.final_layernorm.weight"])
    return x @ w["transformer.output_layer.weight"].T


def returned_cache(output):
    """The key/value cache a forward returned (`cache` from transformers 5.2x, `past_key_values`
    before)."""
    c = getattr(output, "cache", None)
    return c if c is not None else output.past_key_values


def run_glm(dirpath, out):
    import transformers
    from transformers import GlmForCausalLM

    global CACHE_KW
    params = inspect.signature(GlmForCausalLM.forward).parameters
    CACHE_KW = "cache" if "cache" in params else "past_key_values"
    torch.manual_seed(0)
    cfg, sd, fingerprints = load_chatglm(dirpath)
    converted = convert_state_dict(sd, cfg)
    cases = []
    for name, rope_ratio, seed, n, positions in GLM_CASES:
        hf_cfg = glm_config(cfg, rope_ratio)
        model = GlmForCausalLM(hf_cfg).to(torch.float32).eval()
        missing, unexpected = model.load_state_dict(converted, strict=True)
        assert not missing and not unexpected
        tokens = lcg_tokens(seed, n)
        ids = torch.tensor([tokens])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0].to(torch.float64)  # (n, vocab)
            # Cross-checks: the original architecture in float64, and transformers itself fed
            # one token at a time after a prefill (the cache path, as the Rust test runs it).
            ref = chatglm_reference(sd, cfg, rope_ratio, tokens)
            model64 = GlmForCausalLM(hf_cfg).to(torch.float64).eval()
            model64.load_state_dict({k: v.to(torch.float64) for k, v in converted.items()})
            logits64 = model64(input_ids=ids).logits[0]
            p0 = positions[0]
            step = model(input_ids=ids[:, : p0 + 1], use_cache=True)
            stepped = {p0: step.logits[0, -1].to(torch.float64)}
            for p in range(p0 + 1, positions[-1] + 1):
                cache = {CACHE_KW: returned_cache(step)}
                step = model(input_ids=ids[:, p : p + 1], use_cache=True, **cache)
                stepped[p] = step.logits[0, -1].to(torch.float64)
        pos = torch.tensor(positions)
        d_ref = (logits[pos] - ref[pos]).abs().max().item()
        d_64 = (logits[pos] - logits64[pos]).abs().max().item()
        d_ref64 = (logits64[pos] - ref[pos]).abs().max().item()
        d_step = max((logits[p] - stepped[p]).abs().max().item() for p in positions)
        scale = logits[pos].abs().max().item()
        print(
            f"{name}: rope_ratio {rope_ratio}, {n} tokens, positions {positions}: "
            f"max |logit| {scale:.3f}; max |diff| transformers f32 vs f64 {d_64:.2e}, "
            f"vs ChatGLM f64 reference {d_ref:.2e} (f64 vs f64 {d_ref64:.2e}), "
            f"vs transformers cached one-by-one {d_step:.2e}"
        )
        # transformers in float64 still rounds through float32 in places (the rotary angles, the
        # RMSNorm's input), hence ~1e-7 rather than 1e-15 between the two float64 computations.
        assert d_ref < 1e-5 and d_ref64 < 1e-5, "the conversion does not match ChatGLM"
        rows = [{"position": p, "logits": [r7(v) for v in logits[p].tolist()]} for p in positions]
        case = {"name": name, "rope_ratio": rope_ratio, "lcg_seed": seed, "tokens": tokens}
        cases.append({**case, "rows": rows})
    doc = {
        "about": "Reference logits of transformers' GlmForCausalLM (float32, CPU, eager attention) "
        "for the tiny ChatGLM checkpoint inference::testing::write_tiny_glm(dir, 7), converted "
        "from the ChatGLM layout. A case with rope_ratio other than the checkpoint's is the same "
        "weights with config.json's rope_ratio replaced.",
        "regenerate": REGENERATE_GLM,
        "generator": {
            "script": "inference/scripts/golden.py",
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "numpy": np.__version__,
        },
        "checkpoint": {"seed": 7, "config": cfg, "shards": fingerprints},
        "tokens": f"64-bit LCG: s = s * {LCG_MUL} + {LCG_ADD} mod 2^64 from s = lcg_seed, "
        f"token = (s >> 33) % {TOKEN_RANGE}",
        "tolerance": 1e-4,
        "cases": cases,
    }
    write_json(out, doc)


# ---------------------------------------------------------------------------------------------
# Whisper log-mel
# ---------------------------------------------------------------------------------------------

SR = 16000
MEL_SECONDS_SAMPLES = 116800  # 7.3 s
CHIRP = {"amp": 0.25, "f0": 100.0, "f1": 6000.0}
SINES = [{"amp": 0.1, "hz": 440.0, "phase": 0.0}, {"amp": 0.05, "hz": 3150.5, "phase": 0.3}]
CLICKS = {"amp": 0.4, "period_samples": 4000, "tau_s": 0.004, "hz": 2000.0}

SIGNAL_FORMULA = (
    "n = 0..N (N = 116800, 7.3 s at 16 kHz), all in f64, then cast to f32; t = n / 16000; "
    "T = N / 16000; k = (f1 - f0) / T; "
    "chirp = 0.25 * sin(2*pi * (f0 * t + 0.5 * k * t * t)) with f0 = 100, f1 = 6000; "
    "sines = 0.1 * sin(2*pi * 440 * t + 0.0) + 0.05 * sin(2*pi * 3150.5 * t + 0.3); "
    "tc = (n % 4000) / 16000 (n % 4000 in integers); "
    "clicks = 0.4 * exp(-tc / 0.004) * sin(2*pi * 2000 * tc); "
    "x[n] = f32(chirp + sines + clicks), summed in that order (chirp + sine 440 + sine 3150.5 + "
    "clicks); pi is f64 pi; 2*pi is computed first, then multiplied by the parenthesis."
)


def signal():
    """The test signal; see SIGNAL_FORMULA (float64, then float32), evaluated term by term in
    the order the Rust test uses."""
    n_total = MEL_SECONDS_SAMPLES
    two_pi = 2.0 * math.pi
    T = n_total / SR
    k = (CHIRP["f1"] - CHIRP["f0"]) / T
    out = np.empty(n_total, dtype=np.float32)
    for n in range(n_total):
        t = n / SR
        chirp = CHIRP["amp"] * math.sin(two_pi * (CHIRP["f0"] * t + 0.5 * k * t * t))
        s1 = SINES[0]["amp"] * math.sin(two_pi * SINES[0]["hz"] * t + SINES[0]["phase"])
        s2 = SINES[1]["amp"] * math.sin(two_pi * SINES[1]["hz"] * t + SINES[1]["phase"])
        tc = (n % CLICKS["period_samples"]) / SR
        k_amp, tau, k_hz = CLICKS["amp"], CLICKS["tau_s"], CLICKS["hz"]
        click = k_amp * math.exp(-tc / tau) * math.sin(two_pi * k_hz * tc)
        out[n] = np.float32(chirp + s1 + s2 + click)
    return out


def golden_frames():
    """Every 25th frame through the audio, every frame around its end (frame 730), every 100th
    in the padding after it, and the last frame."""
    end = MEL_SECONDS_SAMPLES // 160
    frames = set(range(0, end + 20, 25))
    frames |= set(range(end - 5, end + 6))
    frames |= set(range(800, 3000, 100))
    frames.add(2999)
    return sorted(frames)


def logmel_f64(samples, n_mels, fe):
    """Whisper's formula in float64 from the FE's own filterbank (for the report only)."""
    x = np.concatenate([samples.astype(np.float64), np.zeros(fe.n_samples - len(samples))])
    x = np.pad(x, 200, mode="reflect")
    n_frames = fe.n_samples // 160
    win = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    idx = np.arange(n_frames)[:, None] * 160 + np.arange(400)[None, :]
    power = np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2  # (frames, 201)
    mel = power @ fe.mel_filters  # (frames, n_mels)
    log = np.log10(np.maximum(mel, 1e-10))
    log = np.maximum(log, log.max() - 8.0)
    return ((log + 4.0) / 4.0).T


def logmel_rust_f32(samples, n_mels, fe):
    """An emulation of mel.rs in float32 (f32 window, f32 real FFT, f32 power and filter sums),
    to estimate how far an f32 implementation lands from the golden (for the report only)."""
    x = np.concatenate([samples, np.zeros(fe.n_samples, dtype=np.float32)]).astype(np.float32)
    x = np.pad(x, 200, mode="reflect")
    n_frames = fe.n_samples // 160
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)).astype(np.float32)
    idx = np.arange(n_frames)[:, None] * 160 + np.arange(400)[None, :]
    spec = np.fft.rfft((x[idx] * win).astype(np.float32), axis=1)
    assert spec.dtype == np.complex64, "numpy >= 2 computes float32 FFTs in float32"
    power = (spec.real * spec.real + spec.imag * spec.imag).astype(np.float32)
    mel = (power @ fe.mel_filters.astype(np.float32)).astype(np.float32)
    log = np.log10(np.maximum(mel, np.float32(1e-10)))
    log = np.maximum(log, log.max() - np.float32(8.0))
    return ((log + np.float32(4.0)) / np.float32(4.0)).T


def run_mel(out):
    import transformers
    from transformers import WhisperFeatureExtractor

    samples = signal()
    frames = golden_frames()
    sets = []
    for n_mels in (80, 128):
        fe = WhisperFeatureExtractor(feature_size=n_mels)
        # What the extractor's __call__ returns: with torch installed, its torch float32 path.
        called = fe(samples, sampling_rate=SR, return_tensors="np")["input_features"][0]
        assert called.shape == (n_mels, 3000), called.shape
        called = called.astype(np.float64)
        # The golden: the same extractor's numpy path on the same input (__call__ pads with zeros
        # to n_samples = 30 s), which __call__ takes where torch is missing. It computes in
        # float64 (storing the STFT as complex64 and the result as float32), so it is the exact
        # formula to ~1e-7 and hardly depends on the machine, where the torch float32 path is
        # itself ~5e-5 off it.
        padded = np.concatenate([samples, np.zeros(fe.n_samples - len(samples), dtype=np.float32)])
        feats = fe._np_extract_fbank_features(padded[None, :], "cpu")[0].astype(np.float64)
        assert feats.shape == (n_mels, 3000), feats.shape
        # Cross-checks: Whisper's formula in float64 written here, and an f32 emulation of mel.rs.
        f64 = logmel_f64(samples, n_mels, fe)
        rust_like = logmel_rust_f32(samples, n_mels, fe)
        d_called = np.abs(called - feats)
        d_rust = np.abs(rust_like - feats)
        print(
            f"{n_mels} mel bins: range [{feats.min():.4f}, {feats.max():.4f}]; max |diff| vs the "
            f"golden (the extractor's numpy f64 path): the extractor's __call__ (torch f32 path) "
            f"{d_called.max():.2e} (at the golden frames {d_called[:, frames].max():.2e}), "
            f"Whisper's formula in f64 {np.abs(f64 - feats).max():.2e}, an f32 emulation of mel.rs "
            f"{d_rust.max():.2e} (at the golden frames {d_rust[:, frames].max():.2e})"
        )
        assert d_called.max() < 1e-4 and np.abs(f64 - feats).max() < 1e-6
        sets.append(
            {
                "n_mels": n_mels,
                "max_diff_torch_path": r7(d_called.max()),
                # values[i][m]: frame frames[i], mel bin m.
                "values": [[r7(v) for v in feats[:, f]] for f in frames],
            }
        )
    doc = {
        "about": "Log-mel features of transformers' WhisperFeatureExtractor(feature_size=n_mels) "
        "for the signal below, padded with zeros to 30 s as its __call__ does (3000 frames), "
        "computed by its numpy path (_np_extract_fbank_features: float64 arithmetic, within 1e-7 "
        "of the formula in float64); its __call__ with torch installed (the float32 torch path) "
        "gives the same to within the max_diff_torch_path recorded per set.",
        "regenerate": REGENERATE_MEL,
        "generator": {
            "script": "inference/scripts/golden.py",
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "numpy": np.__version__,
        },
        "signal": {
            "formula": SIGNAL_FORMULA,
            "sample_rate": SR,
            "samples": MEL_SECONDS_SAMPLES,
            "chirp": CHIRP,
            "sines": SINES,
            "clicks": CLICKS,
            "first_samples": [float(v) for v in samples[:8]],
            "checks": {str(i): float(samples[i]) for i in (1000, 4001, 50000, 116799)},
            "sum_abs": float(np.abs(samples.astype(np.float64)).sum()),
        },
        "frames": frames,
        "tolerance": 1e-4,
        "sets": sets,
    }
    write_json(out, doc)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="what", required=True)
    g = sub.add_parser("glm", help="reference logits of the tiny GLM checkpoint")
    g.add_argument(
        "dir",
        help="a folder written by `cargo run -p cutbridge-inference --example tiny_glm -- DIR`",
    )
    g.add_argument("--out", default=os.path.join(GOLDEN, "glm_tiny.json"))
    m = sub.add_parser("mel", help="reference log-mel of WhisperFeatureExtractor")
    m.add_argument("--out", default=os.path.join(GOLDEN, "whisper_logmel.json"))
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    if args.what == "glm":
        run_glm(args.dir, os.path.normpath(args.out))
    else:
        run_mel(os.path.normpath(args.out))


if __name__ == "__main__":
    sys.exit(main())
