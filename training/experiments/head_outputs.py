"""Another musicnn genre head as a fusion member, without running the backbone again.

training/fusion/fit_fusion.py reads the primary member's per-window genre probabilities
from training/runs/fusion/<folder> (training/fusion/extract_members.py writes them
through the binary). To compare heads inside the fusion, this fits a head
(training/musicnn/head.py's `Head`) on train (+ the fit half of the non-music clips +
the synthetic ones, as training/musicnn/train_head.py does) and writes its
probabilities for the backbone's windows that training/musicnn/backbone_features.py
cached (training/runs/emb: the binary's embeddings and tag logits of the same
windows), in extract_members.py's layout, with the silence masks of the `musicnn`
folder (they depend on the audio, not the head).
The head chosen this way is then exported by train_head.py and measured through
the binary like any other. An experiment: none of the heads tried this way beat the
shipped one on both valid and the real-world songs (Weights/genre-fusion.md).

Usage: python3 training/experiments/head_outputs.py --folder musicnn-mlp --hidden 256 --mixup 0.4
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common import paths  # noqa: E402
from training.musicnn import train_head  # noqa: E402
from training.musicnn.head import Head  # noqa: E402

RUNS = os.path.join(paths.RUNS, "fusion")
SETS = ["train", "valid", "realworld", "nonmusic"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--folder", required=True, help="written as training/runs/fusion/<folder>")
    p.add_argument("--masks", default="musicnn", help="the folder whose silence masks and meta.json to reuse")
    p.add_argument("--hidden", type=int, default=0)
    p.add_argument("--l2", type=float, default=1e-2)
    p.add_argument("--prior", type=float, default=0.0)
    p.add_argument("--mixup", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--train-variants", default="clean,phase,u8_8k,tel,r11k,mp3_32,ogg_q0,gain_eq,noise,reverb")
    args = p.parse_args()
    settings = dict(hidden=args.hidden, l2=args.l2, prior=args.prior, mixup=args.mixup)
    X, y = train_head.datasets(args.train_variants.split(","))
    head = Head(epochs=args.epochs, **settings).fit(X, y, train_head.tag_names())
    base, masks = os.path.join(RUNS, args.folder), os.path.join(RUNS, args.masks)
    with open(os.path.join(masks, "meta.json")) as f:
        meta = json.load(f)
    meta.update(model=f"head.Head({settings}), train variants {args.train_variants}", head=settings)
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    written = 0
    for set_name in SETS:
        source = os.path.join(train_head.EMB, set_name, "clean")
        os.makedirs(os.path.join(base, set_name), exist_ok=True)
        for f in sorted(os.listdir(source)):
            if not f.endswith(".npy") or f.endswith(".part.npy"):
                continue
            mask = os.path.join(masks, set_name, f[:-4] + ".silent.npy")
            if not os.path.exists(mask):
                continue  # not in the fusion's sets
            a = np.load(os.path.join(source, f))
            probs = np.exp(head.log_proba(a[:, 1:].astype(np.float32)))
            np.save(os.path.join(base, set_name, f), np.concatenate([a[:, :1], probs], 1).astype(np.float32))
            shutil.copy(mask, os.path.join(base, set_name, f[:-4] + ".silent.npy"))
            written += 1
    print(f"{settings}: wrote {written} files under {base}")


if __name__ == "__main__":
    sys.exit(main())
