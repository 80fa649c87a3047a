#!/usr/bin/python3
# Writes the seed corpus of fuzz_tokenizer (fuzz/corpus/tokenizer/): tiny but valid files of
# each tokenizer format, prefixed by the selector byte the fuzz target reads first
# (0: sentencepiece .model, 1: llama2.c .bin, 2: tokenizer.json). The SentencePiece vocabulary
# is a slice of models/llama2-tokenizer.model (read with python3-sentencepiece, Debian's
# /usr/bin/python3); the JSON one is a slice of tests/llm/fixtures/tokenizer/byte_bpe_tokenizer.json.
# Run from the repository root: /usr/bin/python3 fuzz/gen_tokenizer_seeds.py
import json
import struct

import sentencepiece as spm

OUT = "fuzz/corpus/tokenizer/"


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 5:
        return key + payload
    return key + varint(len(payload)) + payload  # wire 2: length-delimited


def sp_model_proto(pieces):
    """ModelProto with pieces (text, score, type), BPE + byte fallback, identity normalizer."""
    out = b""
    for text, score, typ in pieces:
        p = field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, typ)
        out += field(1, 2, p)
    trainer = field(3, 0, 2) + field(35, 0, 1) + field(40, 0, 0) + field(41, 0, 1) + field(42, 0, 2)
    normalizer = field(1, 2, b"identity") + field(3, 0, 1) + field(4, 0, 0) + field(5, 0, 1)
    return out + field(2, 2, trainer) + field(3, 2, normalizer)


def llama2c_bin(pieces):
    body = b"".join(struct.pack("<fi", s, len(t.encode())) + t.encode() for t, s, _ in pieces)
    return struct.pack("<i", max(len(t.encode()) for t, _, _ in pieces)) + body


def sp_type(sp, i):
    if sp.is_unknown(i):
        return 2
    if sp.is_control(i):
        return 3
    if sp.is_byte(i):
        return 6
    return 1


def llama_slice(n_merges):
    sp = spm.SentencePieceProcessor(model_file="models/llama2-tokenizer.model")
    ids = list(range(259 + n_merges))  # <unk> <s> </s>, 256 byte pieces, the best merges
    ids += [i for i in range(sp.get_piece_size()) if len(sp.id_to_piece(i)) == 1
            and sp.id_to_piece(i).isascii() and sp.id_to_piece(i).isalnum()]
    ids.append(sp.piece_to_id("\u2581"))
    return [(sp.id_to_piece(i), sp.get_score(i), sp_type(sp, i)) for i in sorted(set(ids))]


def json_slice(n_merges):
    j = json.load(open("tests/llm/fixtures/tokenizer/byte_bpe_tokenizer.json"))
    m = j["model"]
    m["merges"] = m["merges"][:n_merges]
    keep = 256 + n_merges
    m["vocab"] = {t: i for t, i in m["vocab"].items() if i < keep}
    for k, t in enumerate(j["added_tokens"]):
        t["id"] = keep + k
    return json.dumps(j, ensure_ascii=False, separators=(",", ":")).encode()


def main():
    pieces = llama_slice(40)
    open(OUT + "llama2_slice.model", "wb").write(b"\x00" + sp_model_proto(pieces))
    open(OUT + "llama2_slice.bin", "wb").write(b"\x01" + llama2c_bin(pieces))
    open(OUT + "byte_bpe_slice.json", "wb").write(b"\x02" + json_slice(40))


if __name__ == "__main__":
    main()
