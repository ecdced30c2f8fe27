"""Scores a .gsm model and writes the figures into the model card.

Subcommands (the first argument; `mel` when none is given):
  mel     windows of a decoded mel set (.npz with the keys of the shared GTZAN set:
          mel_u8, ids, labels, split, genres), run through the model file in PyTorch
          with the engine's preprocessing; window, track and balanced accuracy and
          the confusion matrix (text, and a PNG).
  audio   files through the built `genre-stream` binary (--output jsonl): the same
          figures from the engine's own frontend and network. Labels come from each
          file's parent directory name (gtzan-audio/<split>/<genre>/<id>.ogg).
  stream  the simulated radio (training/evaluation/stream_benchmark.py): valid audio tracks back
          to back through the binary; raw vs smoothed window accuracy and the delay
          before the label follows a genre change, per --smooth-seconds.

Examples (from the repository root):
  python3 training/cnn/evaluate.py mel --model Weights/genre-cnn.gsm --split valid
  python3 training/cnn/evaluate.py audio --binary .build/release/genre-stream ../shared/data/gtzan-audio/valid
"""
import argparse
import json
import os
import shlex
import re
import subprocess
import sys

import numpy as np
import torch

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.cnn.mel_data import DEFAULT_NPZ, engine_standardize, load_split, track_windows  # noqa: E402
from training.cnn.metrics import scores  # noqa: E402
from training.common.gsm_format import genre_labels  # noqa: E402
from training.common.gsm_network import load_network  # noqa: E402
from training.common.model_card import README, write_section  # noqa: E402
from training.common.paths import BINARY, REPO, WEIGHTS  # noqa: E402


@torch.no_grad()
def mel_log_probs(network, frontend, melset, stride, batch=512):
    """Per track, [windows, labels] log-probabilities of the model file's network."""
    frames = frontend["frames_per_window"]
    out = []
    for db in melset.db:
        x = engine_standardize(track_windows(db, stride, frames), frontend["compression"]["top_db"],
                               frontend["standardize_eps"])
        probs = torch.cat([network(x[i:i + batch, None]) for i in range(0, len(x), batch)])
        out.append(torch.log(probs.clamp_min(1e-30)).numpy())
    return out


def confusion_text(cm, genres):
    width = max(len(g) for g in genres) + 1
    head = " " * width + " ".join(f"{g[:5]:>5}" for g in genres) + "   recall"
    rows = [head]
    for g, row in zip(genres, cm):
        recall = f"{row[genres.index(g)] / row.sum():6.1%}" if row.sum() else "     -"
        rows.append(f"{g:<{width}}" + " ".join(f"{v:5d}" for v in row) + f"   {recall}")
    return "\n".join(rows)


def confusion_png(path, track_cm, window_cm, genres, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.8))
    for ax, cm, what in ((axes[0], track_cm, "tracks"), (axes[1], window_cm, "3 s windows")):
        share = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(genres)):
            for j in range(len(genres)):
                if cm[i, j]:
                    ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if share[i, j] > 0.5 else "black")
        ax.set_xticks(range(len(genres)), genres, rotation=45, ha="right")
        ax.set_yticks(range(len(genres)), genres)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{what} (row-normalised colour, counts)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def report(s, genres, title, command):
    lines = [
        f"**{title}**", "",
        f"Command: `{command}`", "",
        "| figure | value |", "| --- | --- |",
        f"| window-level accuracy ({s['windows']} windows) | {s['window_acc']:.1%} |",
        f"| track-level accuracy ({s['tracks']} tracks, mean log-probability) | {s['track_acc']:.1%} |",
        f"| track-level balanced accuracy (mean per-genre recall) | {s['track_balanced_acc']:.1%} |",
        f"| window-level balanced accuracy | {s['window_balanced_acc']:.1%} |",
        f"| window-level mean negative log-likelihood | {s['window_nll']:.3f} |",
        "", "Track-level confusion matrix (rows: true genre, columns: predicted):", "",
        "```", confusion_text(s["track_confusion"], genres), "```",
    ]
    return "\n".join(lines)



def print_and_record(args, s, genres, title):
    command = "python3 training/cnn/evaluate.py " + shlex.join(sys.argv[1:])
    text = report(s, genres, title, command)
    print(text)
    if args.png:
        confusion_png(args.png, s["track_confusion"], s["window_confusion"], genres, title)
        print(f"wrote {args.png}")
    if args.readme:
        write_section(args.readme, args.section, text)
        print(f"updated {args.readme} (section {args.section!r})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in s.items()}, f, indent=1)


def audio_files(roots):
    files = []
    for root in roots:
        if os.path.isfile(root):
            files.append(root)
        for d, _, names in os.walk(root):
            files += [os.path.join(d, n) for n in names if re.search(r"\.(ogg|wav|flac|mp3)$", n)]
    return sorted(set(files))


def restrict_to_audio(melset, root):
    """Keeps the tracks that also exist as audio under `root`, for a paired comparison with `audio`."""
    stems = {os.path.splitext(os.path.basename(f))[0] for f in audio_files([root])}
    keep = [i for i, t in enumerate(melset.ids) if t in stems]
    melset.db, melset.labels = melset.db[keep], melset.labels[keep]
    melset.ids = [melset.ids[i] for i in keep]
    return melset


def run_mel(args):
    torch.set_num_threads(args.threads)
    header, network = load_network(args.model)
    melset = load_split(args.npz, args.split)
    if args.only_audio_in:
        melset = restrict_to_audio(melset, args.only_audio_in)
    if melset.genres != genre_labels(header):
        raise ValueError(f"model labels {genre_labels(header)} differ from the set's genres {melset.genres}")
    per_track = mel_log_probs(network, header["frontend"], melset, args.stride)
    s = scores(per_track, melset.labels.numpy(), len(melset.genres))
    title = (f"{os.path.basename(args.model)} on {os.path.basename(args.npz)}, split {args.split}"
             f"{', tracks with audio only' if args.only_audio_in else ''}, windows every {args.stride} columns")
    print_and_record(args, s, melset.genres, title)


def run_audio(args):
    """End-to-end: the binary's per-window probabilities (smoothing off), grouped by source file."""
    header, _ = load_network(args.model)
    genres = genre_labels(header)
    files = audio_files(args.inputs)
    labels = [genres.index(os.path.basename(os.path.dirname(f))) for f in files]
    cmd = [args.binary, "--model", args.model, "--output", "jsonl", "--smooth", "off"]
    per_track = []
    for f in files:
        out = subprocess.run(cmd + [f], capture_output=True, text=True, check=True).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        probs = [[r["probabilities"][g] for g in genres] for r in rows
                 if r["probabilities"] and not r["partial"]]
        if not probs:
            raise RuntimeError(f"{f}: the binary gave no complete windows")
        per_track.append(np.log(np.maximum(np.array(probs), 1e-30)))
    s = scores(per_track, np.array(labels), len(genres))
    title = f"{os.path.basename(args.model)} through {os.path.basename(args.binary)}, {len(files)} audio files"
    print_and_record(args, s, genres, title)


def parse_args(argv):
    if not argv or argv[0] not in ("mel", "audio", "stream", "-h", "--help"):
        argv = ["mel"] + list(argv)
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", default=os.path.join(WEIGHTS, "genre-cnn.gsm"))
    common.add_argument("--readme", default=README, help="model card to update; empty string to skip")
    common.add_argument("--png", default=None, help="confusion-matrix PNG to write")
    common.add_argument("--json", default=None, help="also write the figures as JSON here")
    mel = sub.add_parser("mel", parents=[common], help="score windows of a decoded mel set")
    mel.add_argument("--npz", default=os.path.join(REPO, DEFAULT_NPZ))
    mel.add_argument("--split", default="valid", help="value of the npz's `split` key, or 'all'")
    mel.add_argument("--stride", type=int, default=39,
                     help="columns between window starts; 39 = back-to-back 3 s windows as the engine emits")
    mel.add_argument("--only-audio-in", default=None, metavar="DIR",
                     help="keep only tracks that have an audio file under DIR (pairs with `audio`)")
    mel.add_argument("--threads", type=int, default=2)
    mel.add_argument("--section", default="mel")
    audio = sub.add_parser("audio", parents=[common], help="score audio files through the genre-stream binary")
    audio.add_argument("inputs", nargs="+", help="audio files or directories <genre>/<file>")
    audio.add_argument("--binary", default=BINARY)
    audio.add_argument("--section", default="audio")
    sub.add_parser("stream", help="smoother benchmark on a simulated radio (see training/evaluation/stream_benchmark.py --help)")
    args = p.parse_args(argv)
    if args.command == "mel" and args.png is None:
        args.png = os.path.join(WEIGHTS, "confusion.png")
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "stream":
        # Its own options; it records its table in the model card like the others.
        from training.evaluation import stream_benchmark
        sys.argv = [os.path.join("training", "evaluation", "stream_benchmark.py")] + list(argv[1:]) + ["--card"]
        return stream_benchmark.main()
    args = parse_args(argv)
    if args.command == "mel":
        run_mel(args)
    elif args.command == "audio":
        run_audio(args)


if __name__ == "__main__":
    main()
