"""Writes the engine's parity fixture for one model file: dB windows in, probabilities out.

The Swift test feeds the same dB windows through the engine's preprocessing and
network and compares with the probabilities computed here in float32 PyTorch.
Windows: three crops of valid tracks of the decoded mel set (real music, already
floored at the track's max - 80 dB), and one seeded uniform window in -100..0 dB,
whose spread makes the window's top_db clamp do real work.

Writes, next to each other in --out-dir (default Tests/EngineTests/Fixtures):
  parity-<stem>-inputs.f32   little-endian float32 [K, n_mels, frames] dB, before clamp/standardise
  parity-<stem>-probs.f32    little-endian float32 [K, labels]
  parity-<stem>.json         shapes, sources and the settings used
Usage: python3 training/cnn/make_parity_fixture.py MODEL.gsm [--npz PATH] [--out-dir DIR]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.cnn.mel_data import DEFAULT_NPZ, engine_standardize, load_split  # noqa: E402
from training.common.gsm_format import genre_labels  # noqa: E402
from training.common.gsm_network import load_network  # noqa: E402
from training.common.paths import FIXTURES, REPO  # noqa: E402
# (track id, first column): different genres, starts away from the track edges.
REAL_CROPS = [("blues.00001", 100), ("classical.00000", 200), ("metal.00001", 17)]
SEED = 20251121


def fixture_windows(npz, n_mels, frames):
    melset = load_split(npz, "valid")
    windows, sources = [], []
    for track, start in REAL_CROPS:
        i = melset.ids.index(track)
        windows.append(melset.db[i, :, start:start + frames].numpy())
        sources.append(f"{os.path.basename(npz)} {track} columns {start}..{start + frames - 1}")
    rng = np.random.default_rng(SEED)
    windows.append(rng.uniform(-100.0, 0.0, size=(n_mels, frames)).astype(np.float32))
    sources.append(f"numpy default_rng({SEED}) uniform -100..0 dB")
    return np.stack(windows).astype("<f4"), sources


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--npz", default=os.path.join(REPO, DEFAULT_NPZ))
    p.add_argument("--out-dir", default=FIXTURES)
    args = p.parse_args()
    header, network = load_network(args.model)
    fe = header["frontend"]
    if fe["compression"]["kind"] != "db" or not fe["standardize"]:
        raise SystemExit(f"{args.model}: not a dB, standardised genre model "
                         "(for msd-musicnn use scripts/make_musicnn_fixtures.py)")
    labels, top_db = genre_labels(header), fe["compression"]["top_db"]
    inputs, sources = fixture_windows(args.npz, fe["n_mels"], fe["frames_per_window"])
    with torch.no_grad():
        x = engine_standardize(torch.from_numpy(inputs), top_db, fe["standardize_eps"])
        probs = network(x[:, None]).numpy().astype("<f4")
    stem = os.path.splitext(os.path.basename(args.model))[0]
    base = os.path.join(args.out_dir, f"parity-{stem}")
    inputs.tofile(base + "-inputs.f32")
    probs.tofile(base + "-probs.f32")
    meta = {
        "model": os.path.basename(args.model),
        "inputs": {"file": os.path.basename(base) + "-inputs.f32", "dtype": "float32 little-endian",
                   "shape": list(inputs.shape), "meaning": "dB windows [K, n_mels, frames], before the "
                   "top_db clamp and standardisation"},
        "probs": {"file": os.path.basename(base) + "-probs.f32", "dtype": "float32 little-endian",
                  "shape": list(probs.shape), "meaning": "softmax output, labels in the model's order"},
        "labels": labels,
        "top_db": top_db,
        "standardize_eps": fe["standardize_eps"],
        "sources": sources,
        "argmax": [labels[i] for i in probs.argmax(axis=1)],
        "made_by": "python3 training/cnn/make_parity_fixture.py " + " ".join(sys.argv[1:]),
    }
    with open(base + ".json", "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {base}-inputs.f32 {list(inputs.shape)}, {base}-probs.f32 {list(probs.shape)}, {base}.json")
    for s, row in zip(sources, probs):
        print(f"  {s}: {np.array2string(row, precision=4, max_line_width=200)}")


if __name__ == "__main__":
    main()
