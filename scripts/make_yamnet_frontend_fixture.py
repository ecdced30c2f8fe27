"""Writes the TensorFlow reference that the engine's YAMNet frontend is tested against.

YAMNet's features (tensorflow/models research/audioset/yamnet, features.py with
params.py's defaults), computed with TensorFlow's own ops on 2.5 s of real music
(a shipped demo clip turned into the mono 16 kHz samples the engine's frontend
consumes): tf.signal.stft (400-sample periodic Hann frames, hop 160, 512-point
FFT, no padding), tf.abs, tf.signal.linear_to_mel_weight_matrix (64 bands,
125-7500 Hz), tf.math.log(mel + 0.001). The Swift test
(Tests/EngineTests/YAMNetFrontendTests.swift) feeds the same samples to
MelFrontend with the settings of frontend-yamnet.json and compares.

Usage: training/runs/<venv>/bin/python scripts/make_yamnet_frontend_fixture.py
       (the environment of training/musicnn/requirements-convert.txt: tensorflow-cpu 2.15.1,
       numpy 1.26.4, librosa 0.10.2, soundfile)
Outputs in Tests/EngineTests/Fixtures/:
  frontend-yamnet-input.f32  float32 LE mono samples at 16000 Hz
  frontend-yamnet-tf.f32     float32 LE [frames, 64] log(mel + 0.001)
  frontend-yamnet-melfb.f32  float32 LE [64, 257] TF's weight matrix, transposed to band by bin
  frontend-yamnet.json       shapes, settings, and the engine's frontend object for them
"""
import json
import os

import librosa
import numpy as np
import soundfile
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "EngineTests", "Fixtures")
CLIP = os.path.join(ROOT, "demo", "vibe_ace-kevin_macleod.ogg")

# yamnet/params.py
SR = 16000
STFT_WINDOW_SECONDS, STFT_HOP_SECONDS = 0.025, 0.010
MEL_BANDS, MEL_MIN_HZ, MEL_MAX_HZ = 64, 125.0, 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96  # patch_window_seconds 0.96 / stft_hop_seconds

# The engine's `frontend` object for these features (Weights/FORMAT.md).
FRONTEND = {
    "sample_rate": SR, "n_fft": 512, "win_length": 400, "hop_length": 160, "window": "hann",
    "center": False, "n_mels": MEL_BANDS, "fmin": MEL_MIN_HZ, "fmax": MEL_MAX_HZ,
    "mel_scale": "htk_tf", "mel_norm": "none", "power": 1.0,
    "compression": {"kind": "log", "offset": LOG_OFFSET},
    "frames_per_window": PATCH_FRAMES, "standardize": False,
}


def yamnet_log_mel(waveform):
    """features.waveform_to_log_mel_spectrogram_patches, up to the log-mel frames."""
    window_length_samples = int(round(SR * STFT_WINDOW_SECONDS))
    hop_length_samples = int(round(SR * STFT_HOP_SECONDS))
    fft_length = 2 ** int(np.ceil(np.log(window_length_samples) / np.log(2.0)))
    num_spectrogram_bins = fft_length // 2 + 1
    magnitude_spectrogram = tf.abs(tf.signal.stft(
        signals=waveform, frame_length=window_length_samples, frame_step=hop_length_samples,
        fft_length=fft_length))
    linear_to_mel_weight_matrix = tf.signal.linear_to_mel_weight_matrix(
        num_mel_bins=MEL_BANDS, num_spectrogram_bins=num_spectrogram_bins, sample_rate=SR,
        lower_edge_hertz=MEL_MIN_HZ, upper_edge_hertz=MEL_MAX_HZ)
    mel_spectrogram = tf.matmul(magnitude_spectrogram, linear_to_mel_weight_matrix)
    log_mel_spectrogram = tf.math.log(mel_spectrogram + LOG_OFFSET)
    assert (window_length_samples, hop_length_samples, fft_length) == (400, 160, 512)
    return log_mel_spectrogram.numpy(), linear_to_mel_weight_matrix.numpy()


def main():
    audio, rate = soundfile.read(CLIP, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    start = 10 * rate
    excerpt = mono[start:start + 3 * rate]
    y = librosa.resample(excerpt, orig_sr=rate, target_sr=SR, res_type="soxr_hq")[: int(2.5 * SR)].astype(np.float32)

    log_mel, weights = yamnet_log_mel(tf.constant(y))

    y.astype("<f4").tofile(os.path.join(OUT, "frontend-yamnet-input.f32"))
    log_mel.astype("<f4").tofile(os.path.join(OUT, "frontend-yamnet-tf.f32"))
    weights.T.astype("<f4").tofile(os.path.join(OUT, "frontend-yamnet-melfb.f32"))
    with open(os.path.join(OUT, "frontend-yamnet.json"), "w") as f:
        json.dump({
            "clip": os.path.basename(CLIP), "excerpt_seconds": [10, 12.5],
            "samples": int(y.size), "frames": int(log_mel.shape[0]), "n_mels": MEL_BANDS,
            "n_bins": int(weights.shape[0]),
            "frontend": FRONTEND,
            "tensorflow": tf.__version__, "numpy": np.__version__, "librosa": librosa.__version__,
            "made_by": "python scripts/make_yamnet_frontend_fixture.py",
        }, f, indent=1)
    print(f"{y.size} samples, {log_mel.shape[0]} frames, log-mel range {log_mel.min():.2f}..{log_mel.max():.2f}")


if __name__ == "__main__":
    main()
