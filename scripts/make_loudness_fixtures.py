#!/usr/bin/env python3
"""The loudness fixtures: what ffmpeg's own `ebur128` filter (an implementation
independent of libebur128) measures on real clips and on a synthetic EBU Tech
3341-style signal, for LoudnessTests to compare genre-stream --loudness with.

For each clip, `ffmpeg -v verbose -i CLIP -af ebur128=peak=true -f null -` logs every
100 ms the momentary (M) and short-term (S) loudness, the integrated loudness so far
(I) and the true peak so far per channel (TPK); this keeps t, M, S, I and the highest
TPK of each frame, and the summary's integrated loudness and true peak.

The synthetic signal: 20 s of a 1 kHz sine at -23 dBFS (peak) on both channels of a
48 kHz stereo stream, float32, made here and by the test from the same formula.

Usage: python3 scripts/make_loudness_fixtures.py   (needs ffmpeg and numpy; writes
Tests/EngineTests/Fixtures/loudness-ffmpeg.json). Clips under ../shared/data are
skipped by the test where that folder is absent.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EngineTests", "Fixtures", "loudness-ffmpeg.json")

# Mono and stereo, 16 to 48 kHz; paths relative to the repository (`../shared` is beside it).
CLIPS = [
    "demo/hungarian_dance_5-us_army_strings.ogg",
    "demo/vibe_ace-kevin_macleod.ogg",
    "Tests/EngineTests/Fixtures/hungarian_dance_6.5s.flac",
    "../shared/data/demo/speech-librispeech_198-209-0000.ogg",
    "../shared/data/demo/lets_go_fishin-karissa_hobbs.ogg",
    "../shared/data/nonmusic/speech/resemble-ai__Resemblyzer__3005-163389-0003.flac",
    "../shared/data/nonmusic/speech/coqui-ai__TTS__LJ001-0001.wav",
    "../shared/data/realworld/blues/Pekka-Legend__MusicStylesPractice__blues.wav",
    "../shared/data/realworld/hiphop/Bhavit03__MusicGenre__hiphop.mp3",
    "../shared/data/realworld/metal/Kharmaa__random-teddy__heavymetal.mp3",
]

SINE_RATE, SINE_SECONDS, SINE_HZ, SINE_DBFS = 48000, 20, 1000, -23.0

FRAME = re.compile(r"t:\s*([\d.]+)\s+TARGET:\S+ LUFS\s+M:\s*(\S+)\s+S:\s*(\S+)\s+I:\s*(\S+) LUFS.*TPK:\s*(.*?) dBFS")


def sine():
    """Stereo float32: the test builds the same samples (LoudnessTests.sine)."""
    n = np.arange(SINE_RATE * SINE_SECONDS, dtype=np.float64)
    mono = (10 ** (SINE_DBFS / 20) * np.sin(2 * np.pi * SINE_HZ * n / SINE_RATE)).astype(np.float32)
    return np.repeat(mono[:, None], 2, axis=1)


def finite(x):
    """ffmpeg logs digital silence as -inf (and -120.7); JSON has no infinity: -200."""
    return x if np.isfinite(x) else -200.0


def measure(args):
    log = subprocess.run(["ffmpeg", "-nostdin", "-nostats", "-hide_banner", "-v", "verbose"] + args
                         + ["-af", "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    frames = []
    for m in FRAME.finditer(log):
        peaks = [float(x) for x in m.group(5).split()]
        frames.append([round(float(m.group(1)), 5)] + [finite(float(m.group(g))) for g in (2, 3, 4)] + [finite(max(peaks))])
    summary_i = finite(float(re.search(r"Integrated loudness:\s+I:\s+(\S+) LUFS", log).group(1)))
    summary_peak = finite(float(re.search(r"True peak:\s+Peak:\s+(\S+) dBFS", log).group(1)))
    return {"frames": frames, "integrated_lufs": summary_i, "true_peak_dbtp": summary_peak}


def main():
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    fixtures = {"made_by": version + ", " + os.path.basename(__file__), "clips": {}}
    for clip in CLIPS:
        path = os.path.join(ROOT, clip)
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
        fixtures["clips"][clip] = measure(["-i", path])
        print(clip, len(fixtures["clips"][clip]["frames"]), "frames", fixtures["clips"][clip]["integrated_lufs"], "LUFS")
    with tempfile.NamedTemporaryFile(suffix=".f32") as raw:
        raw.write(sine().tobytes())
        raw.flush()
        fixtures["sine"] = measure(["-f", "f32le", "-ar", str(SINE_RATE), "-ac", "2", "-i", raw.name])
        fixtures["sine"].update(rate=SINE_RATE, seconds=SINE_SECONDS, hz=SINE_HZ, dbfs=SINE_DBFS)
    print("sine", fixtures["sine"]["integrated_lufs"], "LUFS")
    with open(OUT, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
