"""Non-music training material made by honest means: no recordings are invented.

Writes training/runs/synthetic/<kind>__<n>.wav (16-bit, 22050 Hz mono, 12 s each):
- speech: espeak-ng reading news, weather, traffic and advert copy in 11
  languages, with its voice variants, speeds and pitches (a synthetic voice, not
  a person: the real speech here is the 60 LibriSpeech/VCTK clips of
  ../shared/data/nonmusic and the demo clip);
- other: white, pink and brown noise at several levels, mains hum (50/60 Hz and
  harmonics), steady tones, two-tone and DTMF signals, sweeps, clicks and
  crackle, and dithered dead air at -40..-55 dBFS.
The degradations (telephone band, 8 kHz U8, MP3, reverb, noise) are applied
later, as for the music, by training/musicnn/backbone_features.py.
Usage: python3 training/musicnn/nonmusic_synth.py [--speech 120] [--other 120]
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import soundfile

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.paths import RUNS  # noqa: E402

OUT = os.path.join(RUNS, "synthetic")
RATE = 22050
SECONDS = 12

TEXTS = [
    "Good evening, here is the news. The city council voted last night to extend the tram line to the airport, "
    "a project expected to cost four hundred million and to open in three years.",
    "Traffic now: the ring road is slow between junctions four and seven after an accident, and there are delays "
    "of twenty minutes on the bridge. Drive carefully.",
    "And the weather for tomorrow: cloudy in the morning with a few showers, brightening up in the afternoon, "
    "highs of seventeen degrees, a light breeze from the west.",
    "Looking for a new sofa? This weekend only, everything at Home Plus is half price. Free delivery, "
    "zero percent finance. Home Plus, your home, only better.",
    "You are listening to the morning show. Coming up after the break, we talk to the author of a new book "
    "about gardening in small spaces, and we take your calls.",
    "Shares fell sharply on the markets today as investors reacted to new figures on inflation, which rose "
    "for the third month in a row.",
    "In sport, the home team won two nil in a match that was delayed by rain, moving them up to third place in "
    "the league with five games left to play.",
    "Thanks for calling. Your call is important to us. Please stay on the line and one of our team will be with "
    "you shortly.",
]
LANGUAGES = ["en", "en-us", "en-gb-x-rp", "de", "fr", "es", "it", "pt", "nl", "pl", "sv"]
VARIANTS = ["", "+m1", "+m3", "+m5", "+m7", "+f1", "+f2", "+f3", "+f4", "+klatt", "+croak", "+whisper"]


def fit(y, rng):
    """Exactly SECONDS long (looped or cut), at a random broadcast level."""
    n = SECONDS * RATE
    if y.size == 0:
        y = np.zeros(n, np.float32)
    y = np.tile(y, int(np.ceil(n / y.size)))[:n]
    peak = np.max(np.abs(y)) + 1e-9
    return (y / peak * 10 ** (rng.uniform(-18, -1) / 20)).astype(np.float32)


def speech(k, rng, tmp):
    lang = LANGUAGES[k % len(LANGUAGES)]
    voice = lang + VARIANTS[rng.integers(len(VARIANTS))]
    text = " ".join(TEXTS[(k + j) % len(TEXTS)] for j in range(3))
    wav = os.path.join(tmp, "s.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(int(rng.uniform(130, 200))), "-p", str(int(rng.uniform(25, 75))),
                    "-w", wav, text], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    y, rate = soundfile.read(wav, dtype="float32")
    # espeak-ng writes 22050 Hz; resample by sox if a voice writes another rate.
    if rate != RATE:
        out = os.path.join(tmp, "r.wav")
        subprocess.run(["sox", wav, "-r", str(RATE), out], check=True)
        y, _ = soundfile.read(out, dtype="float32")
    return fit(y, rng), voice


def coloured_noise(n, rng, exponent):
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum /= np.maximum(np.arange(spectrum.size), 1) ** (exponent / 2)
    return np.fft.irfft(spectrum, n=n)


def other(k, rng):
    n, t = SECONDS * RATE, np.arange(SECONDS * RATE) / RATE
    kind = ["white", "pink", "brown", "hum", "tone", "two-tone", "dtmf", "sweep", "clicks", "dead-air"][k % 10]
    if kind in ("white", "pink", "brown"):
        y = coloured_noise(n, rng, {"white": 0, "pink": 1, "brown": 2}[kind])
    elif kind == "hum":
        f0 = rng.choice([50.0, 60.0])
        y = sum(rng.uniform(0.2, 1) / h * np.sin(2 * np.pi * f0 * h * t + rng.uniform(0, 6)) for h in range(1, 8))
        y = y + 0.01 * rng.standard_normal(n)
    elif kind == "tone":
        y = np.sin(2 * np.pi * rng.choice([100, 250, 440, 1000, 1000, 2000, 3150, 5000]) * t)
    elif kind == "two-tone":
        y = np.sin(2 * np.pi * rng.uniform(200, 1000) * t) + np.sin(2 * np.pi * rng.uniform(1000, 3000) * t)
    elif kind == "dtmf":
        low, high = [697, 770, 852, 941], [1209, 1336, 1477]
        y = np.zeros(n)
        for start in range(0, n, int(0.2 * RATE)):
            seg = slice(start, min(n, start + int(0.1 * RATE)))
            y[seg] = np.sin(2 * np.pi * rng.choice(low) * t[seg]) + np.sin(2 * np.pi * rng.choice(high) * t[seg])
    elif kind == "sweep":
        f = np.geomspace(rng.uniform(20, 100), rng.uniform(5000, 11000), n)
        y = np.sin(2 * np.pi * np.cumsum(f) / RATE)
    elif kind == "clicks":
        y = 0.02 * rng.standard_normal(n)
        y[rng.integers(0, n, int(rng.uniform(20, 400)))] += rng.uniform(-1, 1, 1)
    else:  # dead air: dither-level noise, the -48 dBFS floor a silent studio chain leaves
        y = coloured_noise(n, rng, rng.choice([0, 1]))
        y = y / np.sqrt(np.mean(y ** 2)) * 10 ** (rng.uniform(-55, -40) / 20)
        return y.astype(np.float32), kind
    return fit(y.astype(np.float32), rng), kind


def main():
    import tempfile
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--speech", type=int, default=120)
    p.add_argument("--other", type=int, default=120)
    args = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261201)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.speech):
            y, voice = speech(k, rng, tmp)
            soundfile.write(os.path.join(OUT, f"speech__{k:03d}.wav"), y, RATE, subtype="PCM_16")
        for k in range(args.other):
            y, kind = other(k, rng)
            soundfile.write(os.path.join(OUT, f"other__{k:03d}_{kind}.wav"), y, RATE, subtype="PCM_16")
    print(f"wrote {args.speech} speech and {args.other} other clips to {OUT}")


if __name__ == "__main__":
    main()
