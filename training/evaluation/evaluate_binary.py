"""Scores a model file end to end, through the genre-stream binary: audio files in,
JSONL lines out, with smoothing off (each window's own label).

Music sets: valid (../shared/data/gtzan-audio/valid) and realworld
(../shared/data/realworld, validation only): window accuracy (the raw label of each
non-silent window against the file's genre), track accuracy (the genre with the
largest summed log-probability over the file's windows, among the ten genres) and
balanced track accuracy, and the share of music windows labelled speech or other.
Non-music sets: nonmusic-heldout (the half of ../shared/data/nonmusic that
training/musicnn/train_head.py does not fit on) and the LibriSpeech demo clip: the share of windows
not given a genre. --degrade u8_8k (arecord's default, U8 at 8 kHz, made with sox)
scores the same files band-limited.
--confusion PNG draws the track confusion matrix of the first music set.
Usage: python3 training/evaluation/evaluate_binary.py [--model NAME|PATH] [--sets valid,realworld,nonmusic-heldout]
                                                      [--degrade u8_8k] [--binary PATH] [--confusion PNG]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.paths import BINARY, DATA  # noqa: E402

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


def files(set_name):
    if set_name == "valid":
        base = os.path.join(DATA, "gtzan-audio", "valid")
        return [(g, os.path.join(base, g, f)) for g in sorted(os.listdir(base)) for f in sorted(os.listdir(os.path.join(base, g)))]
    if set_name == "realworld":
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(DATA, "realworld", "labels.tsv"))][1:]
        return [(r[1], os.path.join(DATA, "realworld", r[0])) for r in rows]
    if set_name == "nonmusic-heldout":
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(DATA, "nonmusic", "labels.tsv"))][1:]
        out = []
        for r in rows:
            name = r[1] + "__" + os.path.splitext(os.path.basename(r[0]))[0]
            if int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % 2 == 1:
                out.append((r[1], os.path.join(DATA, "nonmusic", r[0])))
        out.append(("speech", os.path.join(DATA, "demo", "speech-librispeech_198-209-0000.ogg")))
        return out
    raise ValueError(set_name)


def run(binary, model, path, degrade):
    with tempfile.TemporaryDirectory() as tmp:
        if degrade == "u8_8k":
            wav = os.path.join(tmp, "x.wav")
            subprocess.run(["sox", path, "-r", "8000", "-e", "unsigned-integer", "-b", "8", "-c", "1", wav], check=True)
            path = wav
        out = subprocess.run([binary, "--output", "jsonl", "--smooth", "off"] + (["--model", model] if model else []) + [path],
                             capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines()]


def draw(confusion, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(confusion, cmap="Blues")
    ax.set_xticks(range(len(GENRES)), GENRES, rotation=45, ha="right")
    ax.set_yticks(range(len(GENRES)), GENRES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(GENRES)):
        for j in range(len(GENRES)):
            if confusion[i, j]:
                ax.text(j, i, str(confusion[i, j]), ha="center", va="center",
                        color="white" if confusion[i, j] > confusion.max() / 2 else "black")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None)
    p.add_argument("--sets", default="valid,realworld,nonmusic-heldout")
    p.add_argument("--degrade", default=None, choices=[None, "u8_8k"])
    p.add_argument("--binary", default=BINARY)
    p.add_argument("--confusion", default=None, help="PNG of the first music set's track confusion matrix")
    args = p.parse_args()
    confusion_done = False
    for set_name in args.sets.split(","):
        windows_right = windows = nonmusic = 0
        per_genre, tracks_right = {}, 0
        confusion = np.zeros((len(GENRES), len(GENRES)), int)
        items = files(set_name)
        for truth, path in items:
            lines = [l for l in run(args.binary, args.model, path, args.degrade) if l["probabilities"] is not None]
            if set_name.startswith("nonmusic"):
                windows += len(lines)
                nonmusic += sum(l["raw_label"] in ("speech", "other") for l in lines)
                continue
            if not lines:
                per_genre.setdefault(truth, []).append(False)
                continue
            windows += len(lines)
            windows_right += sum(l["raw_label"] == truth for l in lines)
            nonmusic += sum(l["raw_label"] in ("speech", "other") for l in lines)
            score = np.sum([[np.log(max(l["probabilities"][g], 1e-6)) for g in GENRES] for l in lines], axis=0)
            right = GENRES[int(np.argmax(score))] == truth
            confusion[GENRES.index(truth), int(np.argmax(score))] += 1
            tracks_right += right
            per_genre.setdefault(truth, []).append(right)
        label = f"{set_name}{' ' + args.degrade if args.degrade else ''}"
        if set_name.startswith("nonmusic"):
            print(f"{label}: {len(items)} files, {windows} windows, not given a genre {nonmusic / max(windows, 1):.3f}")
        else:
            balanced = np.mean([np.mean(v) for v in per_genre.values()])
            if args.confusion and not confusion_done:
                draw(confusion, f"{label}: track confusion ({os.path.basename(args.model or 'default')})", args.confusion)
                confusion_done = True
            print(f"{label}: {len(items)} files, window {windows_right / max(windows, 1):.3f}, track {tracks_right / len(items):.3f}, "
                  f"balanced {balanced:.3f}, music windows given speech/other {nonmusic / max(windows, 1):.3f}; per genre "
                  + " ".join(f"{g} {sum(v)}/{len(v)}" for g, v in sorted(per_genre.items())), flush=True)


if __name__ == "__main__":
    sys.exit(main())
