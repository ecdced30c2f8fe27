"""Backbone embeddings and tag logits of every training file, computed by the engine.

For each file and each audio variant (the degradations a radio monitor meets:
arecord's U8 at 8 kHz, telephone band, 11 kHz, MP3 and Ogg at low bit-rates, gain
and EQ, added noise, reverb; made with sox, ffmpeg and numpy as real files),
runs `genre-stream features --model msd-musicnn --outputs embedding,tag_logits
--level` on it: the engine's own decoders, resampler, frontend and network, the
same code that runs in production. Nothing here re-implements the frontend or
the backbone.

Writes training/runs/emb/<set>/<variant>/<name>.npy, [windows, 1 + 200 + 50]
(level dBFS, embedding, tag logits); files already written are skipped, so an
interrupted run resumes.

Sets: train and valid (../shared/data/gtzan-audio), nonmusic
(../shared/data/nonmusic), synthetic (generated speech with espeak-ng, noise,
tones and hum: training/musicnn/nonmusic_synth.py), realworld (validation only).
Usage: python3 training/musicnn/backbone_features.py [--sets train,valid,nonmusic,synthetic,realworld]
                                                     [--variants clean,u8_8k,...] [--jobs 2]
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from multiprocessing import Pool

import numpy as np
import soundfile

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.paths import BINARY, DATA, RUNS  # noqa: E402

OUT = os.path.join(RUNS, "emb")
MODEL = "msd-musicnn"
HALF_WINDOW = 187 * 256 // 2  # samples at 16 kHz: the second frame phase

# name -> how the audio is degraded before the engine reads it.
VARIANTS = ["clean", "phase", "u8_8k", "tel", "r11k", "mp3_32", "ogg_q0", "gain_eq", "noise", "reverb"]
EVAL_VARIANTS = ["clean", "u8_8k", "tel", "r11k", "mp3_32"]


def seed_of(name, variant):
    return int(hashlib.sha1(f"{name}/{variant}".encode()).hexdigest()[:8], 16)


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def degrade(src, variant, tmp, name):
    """Returns (path to feed the engine, extra engine arguments)."""
    if variant == "clean":
        return src, []
    if variant == "phase":
        return src, ["--skip-samples", str(HALF_WINDOW)]
    wav = os.path.join(tmp, "x.wav")
    if variant == "u8_8k":        # arecord's defaults: U8, 8000 Hz, mono
        run(["sox", src, "-r", "8000", "-e", "unsigned-integer", "-b", "8", "-c", "1", wav])
    elif variant == "tel":        # telephone: 300-3400 Hz, 8 kHz mu-law
        run(["sox", src, "-r", "8000", "-e", "mu-law", "-c", "1", wav, "sinc", "300-3400"])
    elif variant == "r11k":
        run(["sox", src, "-r", "11025", "-b", "16", "-c", "1", wav])
    elif variant == "mp3_32":
        mp3 = os.path.join(tmp, "x.mp3")
        run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", src, "-ac", "1", "-b:a", "32k", mp3])
        return mp3, []
    elif variant == "ogg_q0":
        ogg = os.path.join(tmp, "x.ogg")
        run(["sox", src, "-C", "0", "-c", "1", ogg])
        return ogg, []
    elif variant in ("gain_eq", "noise"):
        y, rate = soundfile.read(src, dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        rng = np.random.default_rng(seed_of(name, variant))
        if variant == "gain_eq":
            # A broadcast chain's EQ: a random bass and treble shelf of +-6 dB, then a gain of -20..+3 dB.
            raw = os.path.join(tmp, "raw.wav")
            soundfile.write(raw, y, rate, subtype="FLOAT")
            bass, treble, gain = rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(-20, 3)
            run(["sox", raw, "-b", "16", wav, "bass", f"{bass:.1f}", "treble", f"{treble:.1f}",
                 "gain", f"{gain:.1f}"])
            return wav, []
        # White or pink noise 10..25 dB below the music's RMS.
        snr = rng.uniform(10, 25)
        noise = rng.standard_normal(y.size).astype(np.float32)
        if rng.random() < 0.5:
            spectrum = np.fft.rfft(noise)
            spectrum /= np.sqrt(np.maximum(np.arange(spectrum.size), 1))
            noise = np.fft.irfft(spectrum, n=y.size).astype(np.float32)
        rms = np.sqrt(np.mean(y ** 2) + 1e-12)
        noise *= rms / np.sqrt(np.mean(noise ** 2) + 1e-12) * 10 ** (-snr / 20)
        soundfile.write(wav, np.clip(y + noise, -1, 1), rate, subtype="PCM_16")
    elif variant == "reverb":
        rng = np.random.default_rng(seed_of(name, variant))
        run(["sox", src, "-b", "16", "-c", "1", wav, "reverb", str(int(rng.uniform(30, 80))),
             "50", str(int(rng.uniform(40, 100)))])
    else:
        raise ValueError(variant)
    return wav, []


def job(item):
    src, out = item
    if os.path.exists(out):
        return out, None
    variant = os.path.basename(os.path.dirname(out))
    name = os.path.splitext(os.path.basename(out))[0]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path, extra = degrade(src, variant, tmp, name)
            part = out + ".part.npy"
            subprocess.run([BINARY, "features", path, "-o", part, "--model", MODEL,
                            "--outputs", "embedding,tag_logits", "--level"] + extra,
                           check=True, capture_output=True, text=True)
            os.replace(part, out)
            return out, None
        except subprocess.CalledProcessError as e:
            return out, (e.stderr or str(e)).strip().splitlines()[-1:] or [str(e)]


def files_of(set_name):
    """[(name, path)] of a set."""
    if set_name in ("train", "valid"):
        base = os.path.join(DATA, "gtzan-audio", set_name)
        return [(os.path.splitext(f)[0], os.path.join(base, g, f))
                for g in sorted(os.listdir(base)) for f in sorted(os.listdir(os.path.join(base, g)))]
    if set_name == "nonmusic":
        base = os.path.join(DATA, "nonmusic")
        rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(base, "labels.tsv"))][1:]
        return [(r[1] + "__" + os.path.splitext(os.path.basename(r[0]))[0], os.path.join(base, r[0])) for r in rows]
    if set_name == "realworld":
        base = os.path.join(DATA, "realworld")
        rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(base, "labels.tsv"))][1:]
        return [(r[1] + "__" + os.path.splitext(os.path.basename(r[0]))[0], os.path.join(base, r[0])) for r in rows]
    if set_name == "synthetic":
        base = os.path.join(RUNS, "synthetic")
        return [(os.path.splitext(f)[0], os.path.join(base, f)) for f in sorted(os.listdir(base))]
    raise ValueError(set_name)


def main():
    global BINARY
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sets", default="train,valid,nonmusic,synthetic,realworld")
    p.add_argument("--variants", default=None, help="default: all for train/nonmusic/synthetic, "
                   "the evaluation ones for valid/realworld")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--binary", default=BINARY)
    args = p.parse_args()
    BINARY = args.binary
    items = []
    for set_name in args.sets.split(","):
        variants = args.variants.split(",") if args.variants else (
            EVAL_VARIANTS if set_name in ("valid", "realworld") else VARIANTS)
        for variant in variants:
            for name, path in files_of(set_name):
                items.append((path, os.path.join(OUT, set_name, variant, name + ".npy")))
    todo = [i for i in items if not os.path.exists(i[1])]
    print(f"{len(items)} (file, variant) pairs, {len(todo)} to compute", flush=True)
    failures = 0
    with Pool(args.jobs) as pool:
        for k, (out, error) in enumerate(pool.imap_unordered(job, todo), 1):
            if error:
                failures += 1
                print(f"  failed {os.path.relpath(out, OUT)}: {error}", flush=True)
            if k % 200 == 0:
                print(f"  {k}/{len(todo)}", flush=True)
    print(f"done, {failures} failures")


if __name__ == "__main__":
    sys.exit(main())
