"""Writes the librosa reference that the engine's frontend is tested against.

Takes 6 s of real music (a shipped demo clip), turns it into the mono 22050 Hz
samples the engine's frontend consumes, and computes librosa's log-mel frames on
exactly those samples with the settings of Weights/FORMAT.md (center=False).
The Swift test feeds the same samples to MelFrontend and compares.

Usage: python3 scripts/make_frontend_fixture.py   (librosa 0.10.2, soundfile)
Outputs in Tests/EngineTests/Fixtures/:
  frontend-input.f32      float32 LE mono samples at 22050 Hz
  frontend-librosa-db.f32 float32 LE [frames, 128] dB = 10 log10(max(S, 1e-10))
  frontend-melfb.f32      float32 LE [128, 1025] librosa.filters.mel
  frontend.json           shapes and settings
"""
import json
import os

import librosa
import numpy as np
import soundfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EngineTests", "Fixtures")
CLIP = os.path.join(ROOT, "demo", "vibe_ace-kevin_macleod.ogg")
SR, N_FFT, HOP, N_MELS = 22050, 2048, 1696, 128


def main():
    audio, rate = soundfile.read(CLIP, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    start = 10 * rate
    excerpt = mono[start:start + 7 * rate]
    y = librosa.resample(excerpt, orig_sr=rate, target_sr=SR, res_type="soxr_hq")[: 6 * SR].astype(np.float32)

    S = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, center=False, window="hann", power=2.0,
        n_mels=N_MELS, fmin=0.0, fmax=SR / 2, htk=False, norm="slaney")
    db = 10.0 * np.log10(np.maximum(S, 1e-10))
    fb = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=0.0, fmax=SR / 2, htk=False, norm="slaney")

    y.astype("<f4").tofile(os.path.join(OUT, "frontend-input.f32"))
    db.T.astype("<f4").tofile(os.path.join(OUT, "frontend-librosa-db.f32"))
    fb.astype("<f4").tofile(os.path.join(OUT, "frontend-melfb.f32"))
    with open(os.path.join(OUT, "frontend.json"), "w") as f:
        json.dump({
            "clip": os.path.basename(CLIP), "excerpt_seconds": [10, 16],
            "samples": int(y.size), "frames": int(db.shape[1]), "n_mels": N_MELS, "n_bins": N_FFT // 2 + 1,
            "settings": {"sr": SR, "n_fft": N_FFT, "hop_length": HOP, "center": False, "window": "hann",
                         "power": 2.0, "fmin": 0.0, "fmax": SR / 2, "htk": False, "norm": "slaney",
                         "log": "10*log10(max(S, 1e-10))"},
            "librosa": librosa.__version__,
            "made_by": "python3 scripts/make_frontend_fixture.py",
        }, f, indent=1)
    print(f"{y.size} samples, {db.shape[1]} frames, dB range {db.min():.1f}..{db.max():.1f}")


if __name__ == "__main__":
    main()
