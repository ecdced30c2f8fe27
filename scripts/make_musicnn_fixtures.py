"""Writes the msd-musicnn fixtures: TensorFlow parity data and a librosa frontend reference.

Run with the conversion environment (TensorFlow 2.15 and musicnn 0.1.0, see
training/musicnn/requirements-convert.txt), from anywhere:
    /work/venvs/tf/bin/python scripts/make_musicnn_fixtures.py
The engine's tests need none of it: only the files written here.

(a) Parity: musicnn's own TF graph (`models.py`, built and restored as
    `musicnn.extractor` does, with the package's MSD_musicnn checkpoint) run on
    2 seeded uniform 0..4 patches (the range of real log10(1 + 10000 mel) inputs)
    and 4 real patches of demo/vibe_ace-kevin_macleod.ogg made by musicnn's own
    `extractor.batch_data` (librosa.load at 16 kHz, melspectrogram n_fft 512, hop
    256, 96 bands, its float16 cast, log10(10000 x + 1), patches of 187 frames back
    to back). The patches are stored in the engine's layout, mel band by time.
      parity-msd-musicnn-inputs.f32     float32 LE [K, 96, 187]
      parity-msd-musicnn-embedding.f32  float32 LE [K, 200]  (`penultimate`)
      parity-msd-musicnn-tags.f32       float32 LE [K, 50]   (sigmoid probabilities)
      parity-msd-musicnn.json           shapes, sources, versions, command
(b) Frontend: 6 s of the same clip (soundfile, downmixed, librosa.resample to
    16 kHz with soxr_hq) and librosa's log-mel frames of exactly those samples with
    musicnn's settings (center=True, pad_mode="constant", power 2, 96 Slaney bands,
    fmax 8000), then log10(1 + 10000 mel); no float16 cast here.
      frontend-musicnn-input.f32        float32 LE mono samples at 16 kHz
      frontend-musicnn-librosa.f32      float32 LE [frames, 96], frame-major
      frontend-musicnn.json             shapes and settings
(c) End to end: musicnn's TF graph on the back-to-back 187-frame patches of (b)'s
    librosa frames (frames 0..186, 187..373: what the engine's stream of the same
    16 kHz samples gives as its two windows), for a test that pipes those samples
    through the binary and reads the tags from its JSONL.
      parity-msd-musicnn-stream-tags.f32  float32 LE [2, 50]
"""
import json
import os
import shlex
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import soundfile  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the `training` package
from training.musicnn.convert_musicnn import FRAMES, N_MELS, build_tf_graph, run_tf, write_parity  # noqa: E402

OUT = os.path.join(ROOT, "Tests", "EngineTests", "Fixtures")
CLIP = os.path.join(ROOT, "demo", "vibe_ace-kevin_macleod.ogg")
SEED = 20251201
SR, N_FFT, HOP = 16000, 512, 256
FRONTEND_EXCERPT = (10, 16)  # seconds of the clip


def parity(command):
    import tensorflow as tf
    from musicnn import configuration, extractor
    rng = np.random.default_rng(SEED)
    patches = [rng.uniform(0.0, 4.0, size=(FRAMES, N_MELS)).astype(np.float32) for _ in range(2)]
    sources = [f"numpy default_rng({SEED}) uniform 0..4, patch {i}" for i in range(2)]
    batch, _ = extractor.batch_data(CLIP, FRAMES, FRAMES)
    n = batch.shape[0]
    for i in (1, n // 3, 2 * n // 3, n - 2):
        patches.append(batch[i].astype(np.float32))
        sources.append(f"{os.path.basename(CLIP)} musicnn.extractor.batch_data patch {i} of {n} "
                       f"(frames {i * FRAMES}..{(i + 1) * FRAMES - 1}, {i * FRAMES * HOP / SR:.3f} s on)")
    patches = np.stack(patches)                       # musicnn's layout [K, time, mel]
    expected = run_tf(build_tf_graph(), patches, names=("embedding", "tags"))
    labels = list(configuration.MSD_LABELS)
    base = os.path.join(OUT, "parity-msd-musicnn")
    write_parity(base, patches.transpose(0, 2, 1), expected, {
        "model": "msd-musicnn.gsm",
        "layout": "inputs are musicnn's [K, 187 time, 96 mel] patches transposed to the engine's "
                  "[K, 96 mel, 187 time]; feed them to the network as they are (no standardisation)",
        "outputs_meaning": {"embedding": "musicnn's `penultimate`: batch-norm after the 200-unit "
                                         "dense + ReLU (the model file's output `embedding`)",
                            "tags": "sigmoid of the 50 MSD tag logits, MSD_LABELS order"},
        "labels": labels,
        "sources": sources,
        "real_patch_frontend": "musicnn.extractor.batch_data as shipped: librosa.load(sr=16000) "
                               "(soxr_hq), melspectrogram(n_fft=512, hop_length=256, n_mels=96), "
                               "cast to float16, log10(10000 x + 1)",
        "top_tags": [[labels[j] for j in np.argsort(-row)[:3]] for row in expected["tags"]],
        "tensorflow": tf.__version__, "librosa": librosa.__version__, "numpy": np.__version__,
        "made_by": command,
    })
    print(f"wrote {base}-inputs.f32 {[len(patches), N_MELS, FRAMES]}, -embedding.f32, -tags.f32, .json")
    for s, row in zip(sources, expected["tags"]):
        print(f"  {s}: {[labels[j] for j in np.argsort(-row)[:3]]}")


def frontend(command):
    audio, rate = soundfile.read(CLIP, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    start, stop = FRONTEND_EXCERPT
    excerpt = mono[start * rate:(stop + 1) * rate]
    y = librosa.resample(excerpt, orig_sr=rate, target_sr=SR, res_type="soxr_hq")
    y = y[:(stop - start) * SR].astype(np.float32)
    mel = librosa.feature.melspectrogram(
        y=y, sr=SR, n_fft=N_FFT, hop_length=HOP, center=True, pad_mode="constant", window="hann",
        power=2.0, n_mels=N_MELS, fmin=0.0, fmax=SR / 2, htk=False, norm="slaney")
    logmel = np.log10(1.0 + 10000.0 * mel)
    frames = logmel.shape[1]
    # Frame i covers samples [i * hop - n_fft / 2, i * hop + n_fft / 2); the ones that
    # need no padding after the last sample are those a stream of these samples produces.
    unpadded_end = (y.size + N_FFT // 2 - N_FFT) // HOP + 1
    y.astype("<f4").tofile(os.path.join(OUT, "frontend-musicnn-input.f32"))
    logmel.T.astype("<f4").tofile(os.path.join(OUT, "frontend-musicnn-librosa.f32"))
    with open(os.path.join(OUT, "frontend-musicnn.json"), "w") as f:
        json.dump({
            "clip": os.path.basename(CLIP), "excerpt_seconds": list(FRONTEND_EXCERPT),
            "input": {"file": "frontend-musicnn-input.f32", "dtype": "float32 little-endian",
                      "samples": int(y.size), "sample_rate": SR,
                      "made": f"soundfile decode at {rate} Hz, mean of the channels, librosa.resample "
                              "res_type soxr_hq to 16000 Hz"},
            "librosa": {"file": "frontend-musicnn-librosa.f32", "dtype": "float32 little-endian",
                        "shape": [int(frames), N_MELS], "layout": "frame-major: [frames, n_mels], "
                        "band 0 lowest", "values": "log10(1 + 10000 * mel)"},
            "frames": int(frames),
            "frames_without_end_padding": int(unpadded_end),
            "frame_i_samples": "[i * 256 - 256, i * 256 + 256): frame 0 starts in the 256 leading zeros "
                               "of center=True; frames from frames_without_end_padding on also read "
                               "librosa's zero padding after the last sample",
            "settings": {"sr": SR, "n_fft": N_FFT, "hop_length": HOP, "center": True,
                         "pad_mode": "constant", "window": "hann", "power": 2.0, "n_mels": N_MELS,
                         "fmin": 0.0, "fmax": SR / 2, "htk": False, "norm": "slaney",
                         "compression": "log10(1 + 10000 * mel)", "float16_cast": False},
            "librosa_version": librosa.__version__,
            "made_by": command,
        }, f, indent=1)
        f.write("\n")
    print(f"wrote frontend-musicnn-*: {y.size} samples, {frames} frames "
          f"({unpadded_end} without end padding), range {logmel.min():.3f}..{logmel.max():.3f}")
    return logmel


def stream_parity(logmel):
    windows = logmel.shape[1] // FRAMES
    patches = np.stack([logmel[:, k * FRAMES:(k + 1) * FRAMES].T for k in range(windows)]).astype(np.float32)
    tags = run_tf(build_tf_graph(), patches, names=("tags",))["tags"]
    tags.astype("<f4").tofile(os.path.join(OUT, "parity-msd-musicnn-stream-tags.f32"))
    print(f"wrote parity-msd-musicnn-stream-tags.f32 {list(tags.shape)}")


def main():
    command = ("python scripts/make_musicnn_fixtures.py " + shlex.join(sys.argv[1:])).strip()
    parity(command)
    stream_parity(frontend(command))


if __name__ == "__main__":
    main()
