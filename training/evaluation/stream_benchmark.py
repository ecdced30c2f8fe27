"""The simulated radio: valid tracks back to back through the genre-stream binary.

Concatenates the valid-split audio tracks (../shared/data/gtzan-audio/valid, or any
directory of <genre>/<file> audio) in a seeded random order into one long 22050 Hz
stream, pipes it into `genre-stream --output jsonl` as raw float PCM, and reports:
- raw window accuracy (the network's label for each window alone),
- smoothed window accuracy (the label genre-stream prints),
- the mean delay, in windows, before each label follows a change of genre.
A window's true genre is the genre of the track under its midpoint.
With --smooth-seconds it runs one pass per time constant, to tune the smoother
(training/evaluation/radio_benchmark.py is the realistic stream: songs of minutes, talk between them).

Usage:
  python3 training/evaluation/stream_benchmark.py [--audio DIR] [--binary PATH] [--model GSM]
      [--smooth-seconds 6,30,60] [--seed 0]
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import soundfile

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.model_card import README, write_section  # noqa: E402
from training.common.paths import BINARY, DATA, REPO  # noqa: E402

RATE = 22050


def load_tracks(audio_dir, seed):
    tracks = []
    for genre in sorted(os.listdir(audio_dir)):
        folder = os.path.join(audio_dir, genre)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            tracks.append((genre, os.path.join(folder, name)))
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(tracks))
    return [tracks[i] for i in order]


def decode(path):
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if rate != RATE:
        import librosa  # only for the few tracks that are not at 22050 Hz
        mono = librosa.resample(mono, orig_sr=rate, target_sr=RATE, res_type="soxr_hq").astype(np.float32)
    return mono


def build_stream(tracks):
    pieces, bounds, start = [], [], 0
    for genre, path in tracks:
        samples = decode(path)
        pieces.append(samples)
        bounds.append((start, start + samples.size, genre))
        start += samples.size
    return np.concatenate(pieces), bounds


def truth_at(bounds, sample):
    for lo, hi, genre in bounds:
        if lo <= sample < hi:
            return genre
    return bounds[-1][2]


def run_binary(binary, stream, extra):
    cmd = [binary, "-f", "FLOAT_LE", "-r", str(RATE), "-c", "1", "--output", "jsonl"] + extra
    result = subprocess.run(cmd, input=stream.astype("<f4").tobytes(), capture_output=True, check=True)
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def score(windows, bounds):
    truth = [truth_at(bounds, int((w["start"] + w["end"]) / 2 * RATE)) for w in windows]
    voiced = [i for i, w in enumerate(windows) if w["label"] != "silence"]
    raw = np.mean([windows[i]["raw_label"] == truth[i] for i in voiced])
    smoothed = np.mean([windows[i]["label"] == truth[i] for i in voiced])

    def mean_delay(key):
        delays = []
        for i in range(1, len(windows)):
            if truth[i] == truth[i - 1]:
                continue
            j = i
            while j < len(windows) and truth[j] == truth[i] and windows[j][key] != truth[i]:
                j += 1
            if j < len(windows) and truth[j] == truth[i]:
                delays.append(j - i)  # followed within the track
        return float(np.mean(delays)) if delays else float("nan"), len(delays)

    return {"windows": len(voiced), "raw_accuracy": float(raw), "smoothed_accuracy": float(smoothed),
            "raw_delay": mean_delay("raw_label"), "smoothed_delay": mean_delay("label")}


def benchmark(audio_dir, binary, model=None, switch_probabilities=(60.0,), seed=0, log=print):
    """Builds the simulated radio and scores each smoothing time constant (seconds); returns (description, rows)."""
    tracks = load_tracks(audio_dir, seed)
    stream, bounds = build_stream(tracks)
    changes = sum(1 for a, b in zip(bounds, bounds[1:]) if a[2] != b[2])
    description = (f"{len(tracks)} tracks of {os.path.relpath(audio_dir, REPO)} back to back in a seeded random order "
                   f"(seed {seed}): {stream.size / RATE / 60:.1f} min, {changes} genre changes")
    log("stream: " + description)
    log(HEADER)
    extra = ["--model", model] if model else []
    rows = []
    for p in switch_probabilities:
        s = score(run_binary(binary, stream, extra + ["--smooth-seconds", str(p)]), bounds)
        s["switch_probability"] = p
        rows.append(s)
        log(format_row(s))
    return description, rows


HEADER = "smooth_s  windows  raw_acc  smoothed_acc  gain  raw_delay  smoothed_delay"


def format_row(s):
    return (f"{s['switch_probability']:8.3f}  {s['windows']:7d}  {s['raw_accuracy']:7.3f}  {s['smoothed_accuracy']:12.3f}  "
            f"{100 * (s['smoothed_accuracy'] - s['raw_accuracy']):+5.1f}  {s['raw_delay'][0]:9.2f}  "
            f"{s['smoothed_delay'][0]:14.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audio", default=os.path.join(DATA, "gtzan-audio", "valid"))
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--model", help="model file (default: the binary's built-in model)")
    parser.add_argument("--smooth-seconds", default="60",
                        help="comma-separated values of --smooth-seconds to compare")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--card", action="store_true",
                        help="also record the table in Weights/README.md (between the evaluate:stream markers)")
    args = parser.parse_args()
    if not os.path.isdir(args.audio):
        sys.exit(f"stream_benchmark: no audio directory at {args.audio}")
    probabilities = [float(v) for v in args.smooth_seconds.split(",")]
    description, rows = benchmark(args.audio, args.binary, args.model, probabilities, args.seed)
    if args.card:
        command = "python3 training/evaluation/stream_benchmark.py " + " ".join(sys.argv[1:])
        text = "\n".join([
            f"Simulated radio: {description}. Windows are scored against the genre of the track under their",
            "midpoint; delay is the mean number of windows after a genre change before the label follows",
            "(changes it follows within the track). Smoothing: the engine's HMM forward filter (`--smooth hmm`).",
            "", "```", f"$ {command}", HEADER] + [format_row(r) for r in rows] + ["```"])
        write_section(README, "stream", text)


if __name__ == "__main__":
    main()
