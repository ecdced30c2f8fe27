"""Would running both built-in models on one stream reach issue 10's accuracy targets?

Per valid track, the genre head's window log-probabilities (the head refitted here on
train with the shipped recipe, on training/runs/emb, i.e. the engine's embeddings)
plus w x the small CNN's log-probabilities for the window with the same index
(`genre-stream features --model small --outputs genre --level`, computed by the
binary from the audio; both models give 10 consecutive windows per 30-s track,
2.992 s against 3.000 s), for several weights w. Scored like training/evaluation/evaluate_binary.py:
window accuracy among the ten genres, track = largest summed log-probability.
The engine cannot do this yet: it runs one model per stream.
Usage: python3 training/experiments/fusion_experiment.py [--weights 0,0.25,0.5,0.75,1]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.paths import BINARY, DATA  # noqa: E402
from training.musicnn.head import GENRES, Head  # noqa: E402
from training.musicnn.train_head import EMB, datasets, tag_names  # noqa: E402

VALID = os.path.join(DATA, "gtzan-audio", "valid")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default="0,0.25,0.5,0.75,1")
    p.add_argument("--binary", default=BINARY)
    p.add_argument("--small-at-16k", action="store_true",
                   help="give the small CNN the audio as the default model's 16-kHz stream (sox), not the file")
    args = p.parse_args()
    X, y = datasets("clean,phase,u8_8k,tel,r11k,mp3_32,ogg_q0,gain_eq,noise,reverb".split(","))
    head = Head(epochs=30, hidden=0, l2=0.1, prior=0.5, mixup=0.4).fit(X, y, tag_names())
    tracks = []
    with tempfile.TemporaryDirectory() as tmp:
        for genre in sorted(os.listdir(VALID)):
            for f in sorted(os.listdir(os.path.join(VALID, genre))):
                name = os.path.splitext(f)[0]
                out = os.path.join(tmp, name + ".npy")
                audio = os.path.join(VALID, genre, f)
                if args.small_at_16k:
                    subprocess.run(["sox", audio, "-r", "16000", "-c", "1", os.path.join(tmp, "x.wav")], check=True)
                    audio = os.path.join(tmp, "x.wav")
                subprocess.run([args.binary, "features", audio, "-o", out, "--model", "small",
                                "--outputs", "genre", "--level"], check=True, capture_output=True)
                small = np.load(out)
                emb = np.load(os.path.join(EMB, "valid", "clean", name + ".npy"))
                n = min(len(small), len(emb))
                audible = emb[:n, 0] >= -60
                tracks.append((GENRES.index(genre), head.log_proba(emb[:n, 1:][audible])[:, :len(GENRES)],
                               np.log(np.maximum(small[:n, 1:][audible], 1e-6))))
    for w in (float(v) for v in args.weights.split(",")):
        right = total = tracks_right = 0
        for truth, a, b in tracks:
            lp = a + w * b
            right += int(np.sum(lp.argmax(1) == truth))
            total += len(lp)
            tracks_right += int(lp.sum(0).argmax() == truth)
        print(f"small-model weight {w:4.2f}: valid window {right / total:.3f}, track {tracks_right / len(tracks):.3f} "
              f"({tracks_right}/{len(tracks)})")


if __name__ == "__main__":
    sys.exit(main())
