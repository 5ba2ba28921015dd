#!/usr/bin/env python3
"""Prepare the tiny-shakespeare character-level data set in the AgentGym shard format.

This mirrors the canonical `agentgym data prepare` (C#) for people without .NET, and is what
the record scripts were developed against. Standard library only (no numpy).

Format:
  - vocab  = sorted distinct characters of the UTF-8 text (by Unicode code point)
  - token  = index of the character in vocab, stored as uint16 (little-endian)
  - shards = speedrun .bin: 256 int32 header (magic 20240520, version 1, token count), then tokens
  - splits (contiguous): val_n = heldout_n = floor(N * 0.05); train = first N - 2*val_n tokens,
    val = next val_n, heldout = last val_n
Layout:
  <out>/visible/train_000.bin
  <out>/visible/val_000.bin
  <out>/visible/meta.json
  <out>/heldout/heldout_000.bin

Usage: prepare_data.py [--input input.txt] [--out DIR]
"""
import argparse
import array
import hashlib
import json
import os
import sys

MAGIC = 20240520
VERSION = 1
HEADER_INTS = 256


def shard_bytes(tokens):
    header = array.array("i", [0] * HEADER_INTS)
    header[0], header[1], header[2] = MAGIC, VERSION, len(tokens)
    body = array.array("H", tokens)
    if sys.byteorder != "little":
        header.byteswap()
        body.byteswap()
    return header.tobytes() + body.tobytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # The corpus ships with the repository: <repo>/data/tinyshakespeare/input.txt (this file is <repo>/tasks/*/tools/).
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    ap.add_argument("--input", default=os.path.join(repo, "data", "tinyshakespeare", "input.txt"))
    ap.add_argument("--out", default="/tmp/ts-data")
    args = ap.parse_args()

    raw = open(args.input, "rb").read()
    text = raw.decode("utf-8")
    vocab = sorted(set(text))
    if len(vocab) > 65535:
        raise SystemExit("vocabulary does not fit in uint16")
    index = {c: i for i, c in enumerate(vocab)}
    tokens = [index[c] for c in text]
    n = len(tokens)
    val_n = n * 5 // 100  # floor(N * 0.05)
    train_n = n - 2 * val_n
    splits = {
        "train": ("visible", "train_000.bin", tokens[:train_n]),
        "val": ("visible", "val_000.bin", tokens[train_n:train_n + val_n]),
        "heldout": ("heldout", "heldout_000.bin", tokens[train_n + val_n:]),
    }
    meta_splits = {}
    for name, (sub, fname, toks) in splits.items():
        d = os.path.join(args.out, sub)
        os.makedirs(d, exist_ok=True)
        data = shard_bytes(toks)
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
        meta_splits[name] = {"file": fname, "tokens": len(toks), "sha256": hashlib.sha256(data).hexdigest()}
    meta = {
        "format": "agentgym-chars-v1",
        "vocab": "".join(vocab),
        "vocab_size": len(vocab),
        "splits": meta_splits,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
    }
    with open(os.path.join(args.out, "visible", "meta.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"tokens={n} vocab_size={len(vocab)} train={train_n} val={val_n} heldout={val_n} -> {args.out}")


if __name__ == "__main__":
    main()
