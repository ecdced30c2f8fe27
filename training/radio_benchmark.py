"""A realistic radio stream through the genre-stream binary: songs of minutes, talk and
silence between them; raw against smoothed labels, label changes inside a song, delay.

The stream: the valid-split tracks (../shared/data/gtzan-audio/valid) grouped by genre
into "songs" of 4 to 10 consecutive 30-s tracks of one genre (2 to 5 minutes; a genre
with fewer valid tracks gives a shorter song), in a seeded random order; between two
songs 1 s of digital silence and 8 to 20 s of talk (real read speech from
../shared/data/nonmusic, the half of the clips the genre head was not fitted on). A
window's truth is the segment under its midpoint: the song's genre, `speech`, or
silence. Reports, per smoothing time constant (and with --smooth off):
- raw and smoothed window accuracy on music windows (label == the song's genre);
- label changes per minute inside songs (consecutive windows of one song with
  different labels);
- the delay after a song starts before the label is the song's genre (seconds from
  the song's start to the end of the first window labelled right), mean over songs;
- talk windows given a genre, and music windows given speech/other.
Usage: python3 training/radio_benchmark.py [--binary PATH] [--model NAME|PATH]
                                           [--smooth-seconds 6,15,30,60] [--seed 0]
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
RATE = 22050


def decode(path):
    """Mono float32 at 22050 Hz, decoded and resampled by sox."""
    raw = subprocess.run(["sox", path, "-r", str(RATE), "-c", "1", "-e", "floating-point", "-b", "32", "-t", "raw", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def talk_clips():
    base = os.path.join(DATA, "nonmusic")
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(base, "labels.tsv"))][1:]
    clips = []
    for r in rows:
        name = r[1] + "__" + os.path.splitext(os.path.basename(r[0]))[0]
        held_out = int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % 2 == 1  # train_head.py's eval half
        if r[1] == "speech" and held_out:
            clips.append(os.path.join(base, r[0]))
    return clips


def build(seed):
    rng = np.random.default_rng(seed)
    base = os.path.join(DATA, "gtzan-audio", "valid")
    songs = []
    for genre in sorted(os.listdir(base)):
        files = sorted(os.listdir(os.path.join(base, genre)))
        order = rng.permutation(len(files))
        i = 0
        while i < len(files):
            k = int(rng.integers(4, 11))
            songs.append((genre, [os.path.join(base, genre, files[j]) for j in order[i:i + k]]))
            i += k
    songs = [songs[i] for i in rng.permutation(len(songs))]
    talk = talk_clips()
    pieces, segments, at = [], [], 0
    for n, (genre, files) in enumerate(songs):
        if n > 0:
            silence = np.zeros(RATE, np.float32)
            speech = []
            while sum(map(len, speech)) < rng.uniform(8, 20) * RATE:
                speech.append(decode(talk[int(rng.integers(len(talk)))]))
            speech = np.concatenate(speech)
            speech = speech / (np.max(np.abs(speech)) + 1e-9) * 0.5
            for kind, audio in (("silence", silence), ("speech", speech), ("silence", silence)):
                pieces.append(audio)
                segments.append((at, at + audio.size, kind))
                at += audio.size
        song = np.concatenate([decode(f) for f in files])
        pieces.append(song)
        segments.append((at, at + song.size, genre))
        at += song.size
    return np.concatenate(pieces), segments


def run_binary(binary, stream, extra):
    cmd = [binary, "-f", "FLOAT_LE", "-r", str(RATE), "-c", "1", "--output", "jsonl"] + extra
    result = subprocess.run(cmd, input=stream.astype("<f4").tobytes(), capture_output=True, check=True)
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def score(windows, segments):
    def segment_of(w):
        mid = (w["start"] + w["end"]) / 2 * RATE
        for k, (lo, hi, kind) in enumerate(segments):
            if lo <= mid < hi:
                return k
        return len(segments) - 1
    seg = [segment_of(w) for w in windows]
    kind = [segments[k][2] for k in seg]
    music = [i for i, k in enumerate(kind) if k not in ("speech", "silence")]
    talk = [i for i, k in enumerate(kind) if k == "speech"]
    nonmusic_labels = ("speech", "other", "silence")
    raw = np.mean([windows[i]["raw_label"] == kind[i] for i in music])
    smoothed = np.mean([windows[i]["label"] == kind[i] for i in music])
    changes = sum(1 for a, b in zip(music, music[1:]) if b == a + 1 and seg[a] == seg[b]
                  and windows[a]["label"] != windows[b]["label"])
    song_minutes = sum((hi - lo) for lo, hi, k in segments if k not in ("speech", "silence")) / RATE / 60
    delays = []
    for k, (lo, hi, g) in enumerate(segments):
        if g in ("speech", "silence"):
            continue
        first = next((windows[i]["end"] - lo / RATE for i in music if seg[i] == k and windows[i]["label"] == g), None)
        if first is not None:
            delays.append(first)
    return {"music_windows": len(music), "raw": float(raw), "smoothed": float(smoothed),
            "changes_per_minute_in_songs": changes / song_minutes,
            "delay_s": float(np.mean(delays)) if delays else float("nan"), "songs_found": len(delays),
            "songs": sum(1 for s in segments if s[2] not in ("speech", "silence")),
            "talk_given_genre": float(np.mean([windows[i]["label"] not in nonmusic_labels for i in talk])) if talk else float("nan"),
            "music_given_nonmusic": float(np.mean([windows[i]["label"] in ("speech", "other") for i in music]))}


HEADER = "  s/w       raw    smoothed  gain   changes/min  delay_s  songs  talk->genre  music->nonmusic"


def row(label, s):
    return (f"{label:>8s}  {s['raw']:.3f}  {s['smoothed']:.3f}   {100 * (s['smoothed'] - s['raw']):+5.1f}  "
            f"{s['changes_per_minute_in_songs']:11.2f}  {s['delay_s']:7.1f}  {s['songs_found']:2d}/{s['songs']:2d}  "
            f"{s['talk_given_genre']:11.3f}  {s['music_given_nonmusic']:15.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "genre-stream"))
    p.add_argument("--model", default=None)
    p.add_argument("--smooth-seconds", default="6,15,30,60,120")
    p.add_argument("--evidence-weights", default="1", help="comma-separated values of --evidence-weight")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    stream, segments = build(args.seed)
    songs = [s for s in segments if s[2] not in ("speech", "silence")]
    print(f"stream: {stream.size / RATE / 60:.1f} min, {len(songs)} songs "
          f"({np.mean([(s[1] - s[0]) / RATE / 60 for s in songs]):.1f} min on average), talk and silence between them")
    extra = ["--model", args.model] if args.model else []
    print(HEADER)
    off = score(run_binary(args.binary, stream, extra + ["--smooth", "off"]), segments)
    print(row("off", off))
    results = {"off": off}
    for w in args.evidence_weights.split(","):
        for t in args.smooth_seconds.split(","):
            s = score(run_binary(args.binary, stream, extra + ["--smooth-seconds", t, "--evidence-weight", w]), segments)
            results[f"{t}/{w}"] = s
            print(row(f"{t}/{w}", s), flush=True)
    return results


if __name__ == "__main__":
    sys.exit(main() and 0)
