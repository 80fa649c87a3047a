#!/usr/bin/python3
"""Independent reference fixtures for the numerics tests (run: /usr/bin/python3 gen_fixtures.py).

Nothing here uses npulab code. References:
  BF16  torch 1.13  torch.tensor(float32).to(torch.bfloat16)   (round to nearest even)
  F16   numpy       ndarray(float32).astype(numpy.float16)      (round to nearest even)
  FP8   pure python below: every code's value from the format definition with exact
        Fractions, and rounding by brute-force search of the nearest finite value, ties to the
        even code. Infinite inputs go to +-max (E4M3FN, no inf) or +-inf (E5M2); NaN to NaN.
  ints  numpy       rint (ties to even) on float64, then clip to the integer range; NaN -> 0.

Files (little endian), all in fixtures/:
  decode_<fmt>.bin   one float32 per code, code order (65536 for bf16/f16, 256 for fp8)
  encode_<fmt>.bin   pairs (uint32 float32-bits input, uint32 expected code / int32 result)
"""
import math
import os
import struct
from fractions import Fraction

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
rng = np.random.default_rng(20261125)


def write_decode(name, values_f32):
    np.asarray(values_f32, dtype="<f4").tofile(os.path.join(OUT, f"decode_{name}.bin"))


def write_encode(name, inputs_bits, outputs):
    pairs = np.empty((len(inputs_bits), 2), dtype="<u4")
    pairs[:, 0] = np.asarray(inputs_bits, dtype=np.uint32)
    pairs[:, 1] = np.asarray(outputs, dtype=np.int64).astype(np.uint32)
    pairs.tofile(os.path.join(OUT, f"encode_{name}.bin"))


def bits_of(x):
    return np.asarray(x, dtype=np.float32).view(np.uint32)


def f32(bits):
    return np.asarray(bits, dtype=np.uint32).view(np.float32)


# ---------------------------------------------------------------- FP8 (pure python reference)
class Fp8:
    def __init__(self, ebits, mbits, bias, has_inf):
        self.ebits, self.mbits, self.bias, self.has_inf = ebits, mbits, bias, has_inf
        self.values = [self.value(c) for c in range(256)]  # Fraction, "inf", "-inf" or "nan"
        self.finite = [c for c in range(256) if isinstance(self.values[c], Fraction)]
        self.max_code = max((c for c in self.finite if c < 128), key=lambda c: self.values[c])

    def value(self, code):
        sign = -1 if code & 0x80 else 1
        e = (code >> self.mbits) & ((1 << self.ebits) - 1)
        m = code & ((1 << self.mbits) - 1)
        emax_field = (1 << self.ebits) - 1
        if self.has_inf and e == emax_field:  # IEEE-like: all-ones exponent is inf / NaN
            return ("inf" if sign > 0 else "-inf") if m == 0 else "nan"
        if not self.has_inf and e == emax_field and m == (1 << self.mbits) - 1:
            return "nan"  # E4M3FN: only S.1111.111 is NaN
        if e == 0:
            mag = Fraction(m, 1 << self.mbits) * Fraction(2) ** (1 - self.bias)
        else:
            mag = (1 + Fraction(m, 1 << self.mbits)) * Fraction(2) ** (e - self.bias)
        return sign * mag

    def as_float(self, code):
        v = self.values[code]
        if isinstance(v, str):
            return {"inf": np.inf, "-inf": -np.inf, "nan": np.nan}[v]
        return math.copysign(float(v), -1.0 if code & 0x80 else 1.0)  # Fraction has no -0

    def encode(self, x):
        x = float(x)
        neg = np.signbit(x)
        if np.isnan(x):
            return (0x80 if neg else 0) | (0x7E if self.has_inf else 0x7F)
        if np.isinf(x):
            return (0x80 if neg else 0) | (0x7C if self.has_inf else self.max_code)
        target = Fraction(x)
        best = None
        for c in self.finite:  # brute force over every finite code of the same sign
            if bool(c & 0x80) != bool(neg):
                continue
            d = abs(self.values[c] - target)
            if best is None or d < best[0] or (d == best[0] and (c & 1) == 0):
                best = (d, c)
        return best[1]


E4M3 = Fp8(4, 3, 7, has_inf=False)
E5M2 = Fp8(5, 2, 15, has_inf=True)


# ---------------------------------------------------------------- input sets
SPECIAL_BITS = [
    0x00000000, 0x80000000, 0x7F800000, 0xFF800000,              # +-0, +-inf
    0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF812345, 0x7FFFFFFF,  # quiet / signalling NaNs
    0x00000001, 0x80000001, 0x007FFFFF, 0x00800000,              # FP32 subnormals, min normal
    0x7F7FFFFF, 0xFF7FFFFF, 0x3F800000, 0xBF800000,              # +-FLT_MAX, +-1
]


def tie_inputs(pos_values, sample=None):
    """Exact midpoints between consecutive representable positive values, and the float32
    values one ulp below and above each midpoint, both signs."""
    pos = np.asarray(sorted(set(pos_values)), dtype=np.float64)
    idx = np.arange(len(pos) - 1)
    if sample is not None and len(idx) > sample:
        idx = rng.choice(idx, sample, replace=False)
    mids = ((pos[idx] + pos[idx + 1]) / 2).astype(np.float32)  # exact: one extra bit suffices
    assert np.all(mids.astype(np.float64) == (pos[idx] + pos[idx + 1]) / 2)
    below = np.nextafter(mids, np.float32(0))
    above = np.nextafter(mids, np.float32(np.inf))
    v = np.concatenate([mids, below, above])
    return np.concatenate([bits_of(v), bits_of(-v)])


def edge_inputs(min_sub, max_finite, ulp_at_max):
    v = np.array([min_sub, min_sub / 2, min_sub * 1.5, min_sub * 2.5, min_sub / 4, min_sub * 0.75,
                  max_finite, max_finite + ulp_at_max / 2, max_finite + ulp_at_max,
                  max_finite * 2, 1e30, 65504.0, 65520.0, 448.0, 464.0, 480.0, 57344.0, 61440.0],
                 dtype=np.float64).astype(np.float32)
    v = np.concatenate([v, np.nextafter(v, np.float32(0)), np.nextafter(v, np.float32(np.inf))])
    return np.concatenate([bits_of(v), bits_of(-v)])


def random_inputs(emin_sub, emax, n_bits=2000, n_range=2000):
    """Uniform random bit patterns (every exponent, NaN/inf payloads) plus values whose
    exponent lies in (and just around) the format's range."""
    raw = rng.integers(0, 2**32, n_bits, dtype=np.uint64).astype(np.uint32)
    sign = rng.integers(0, 2, n_range, dtype=np.uint32) << 31
    lo, hi = max(emin_sub - 2 + 127, 1), min(emax + 2 + 127, 255)  # biased FP32 exponents
    exp = rng.integers(lo, hi, n_range, dtype=np.uint32) << 23
    mant = rng.integers(0, 1 << 23, n_range, dtype=np.uint32)
    return np.concatenate([raw, sign | exp | mant])


def inputs_for(pos_values, min_sub, max_finite, ulp_at_max, emin_sub, emax, tie_sample=None):
    return np.concatenate([np.array(SPECIAL_BITS, dtype=np.uint32),
                           edge_inputs(min_sub, max_finite, ulp_at_max),
                           tie_inputs(pos_values, tie_sample),
                           random_inputs(emin_sub, emax)]).astype(np.uint32)


def main():
    np.seterr(over="ignore", invalid="ignore")  # edge inputs overflow to inf; NaN inputs on purpose
    os.makedirs(OUT, exist_ok=True)
    codes16 = np.arange(65536, dtype=np.uint32).astype(np.uint16)

    # BF16 (torch)
    bf_dec = torch.from_numpy(codes16.view(np.int16).copy()).view(torch.bfloat16).float().numpy()
    write_decode("bf16", bf_dec)
    bf_pos = bf_dec[(codes16 < 0x7F80)].astype(np.float64)
    x = inputs_for(bf_pos, 2.0**-133, float(bf_dec[0x7F7F]), 2.0**(127 - 7), -133, 127, 1500)
    bf_enc = torch.from_numpy(f32(x).copy()).to(torch.bfloat16).view(torch.int16).numpy()
    write_encode("bf16", x, bf_enc.astype(np.uint16))

    # F16 (numpy)
    f16_dec = codes16.view(np.float16).astype(np.float32)
    write_decode("f16", f16_dec)
    f16_pos = f16_dec[codes16 < 0x7C00].astype(np.float64)
    x = inputs_for(f16_pos, 2.0**-24, 65504.0, 32.0, -24, 15, 1500)
    write_encode("f16", x, f32(x).astype(np.float16).view(np.uint16))

    # FP8 (pure python)
    for name, fmt, min_sub, emin_sub, emax in (("f8e4m3", E4M3, 2.0**-9, -9, 8),
                                                ("f8e5m2", E5M2, 2.0**-16, -16, 15)):
        write_decode(name, [fmt.as_float(c) for c in range(256)])
        pos = [float(fmt.values[c]) for c in fmt.finite if c < 128]
        mx = float(fmt.values[fmt.max_code])
        ulp = mx - float(fmt.values[fmt.max_code - 1])
        x = inputs_for(pos, min_sub, mx, ulp, emin_sub, emax)
        write_encode(name, x, [fmt.encode(v) for v in f32(x)])

    # Integers (numpy): rint ties to even, saturate, NaN -> 0.
    k = rng.integers(-400, 400, 1500).astype(np.float64)
    vals = np.concatenate([k, k + 0.5, k + 0.25, k + 0.75, rng.normal(0, 200, 1500),
                           [2.0**31, -2.0**31, 2.0**31 - 128, -(2.0**31) - 256, 1e20, -1e20, 2.5,
                            -2.5, 0.5, -0.5, 1.5, 127.5, 128.5, -128.5, -127.5, 254.5, 255.5, 256.0,
                            -0.0, 8388609.0, 16777216.0 + 2]]).astype(np.float32)
    x = np.concatenate([bits_of(vals), np.array(SPECIAL_BITS, dtype=np.uint32),
                        rng.integers(0, 2**32, 1000, dtype=np.uint64).astype(np.uint32)])
    xf = f32(x).astype(np.float64)
    nan = np.isnan(xf)
    r = np.rint(np.where(nan, 0.0, xf))
    for name, lo, hi in (("i32", -2.0**31, 2.0**31 - 1), ("i8", -128, 127), ("u8", 0, 255)):
        write_encode(name, x, np.clip(r, lo, hi).astype(np.int64))


if __name__ == "__main__":
    main()
