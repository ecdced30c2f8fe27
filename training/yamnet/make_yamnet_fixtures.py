"""Writes the YAMNet fixtures of Tests/EngineTests/YAMNetParityTests.swift.

Run after training/yamnet/convert_yamnet.py, with its environment
(training/yamnet/requirements-convert.txt), single-threaded:
    OMP_NUM_THREADS=1 training/runs/venv-yamnet/bin/python training/yamnet/make_yamnet_fixtures.py
The engine's tests need none of it: only the files written here.

(a) Float parity: the float reference (Weights/yamnet.gsm through
    training/common/gsm_network.py) on 4 windows in the engine's layout [64 mel, 96
    frames]: 2 seeded uniform windows over the input clamp's range and 2 real
    log-mel patches (numpy frontend, float, not quantized) of the CC-licensed demo
    clips. The engine must match it to float rounding.
      yamnet-parity-inputs.f32     float32 LE [4, 64, 96]
      yamnet-parity-logits.f32     float32 LE [4, 521]   (the clamped logits)
      yamnet-parity-embedding.f32  float32 LE [4, 1024]  (the pooled vector, clamped)
      yamnet-parity.json
(b) The int8 model itself: uint8 patches exactly as onnxruntime was fed them (the
    numpy frontend, quantized with the model's input scale and zero point), stored
    transposed to the engine's [64 mel, 96 frames], and onnxruntime's raw uint8
    outputs. Music: GTZAN valid tracks (2 patches from each, thinned evenly to
    200); speech: the CC BY demo LibriSpeech clip and two public-domain/CC0
    clips of ../shared/data/nonmusic. No real-world-set audio or features.
      yamnet-ort-patches.u8   uint8 [N, 64, 96]  (float = scale x (u - zero_point))
      yamnet-ort-logits.u8    uint8 [N, 521]     (logit = scale x (u - zero_point))
      yamnet-ort.json         quantization, which patches are music, genre-class
                              indices, the targets, and what the float reference scores
"""
import glob
import json
import os
import shlex
import sys
import tempfile

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_network import load_network  # noqa: E402
from training.common.paths import DATA, FIXTURES, WEIGHTS  # noqa: E402
from training.yamnet import yamnet_frontend as fe  # noqa: E402
from training.yamnet.convert_yamnet import (GENRE_CLASSES, RELATED_CLASSES, TARGETS, agreement,  # noqa: E402
                                            load_onnx, ort_session, run_int8, run_torch, walk, wheel_files)

OUT = FIXTURES
MODEL = os.path.join(WEIGHTS, "yamnet.gsm")
SEED = 20260301
PARITY_CLIPS = [("demo/vibe_ace-kevin_macleod.ogg", 20.0), ("demo/hungarian_dance_5-us_army_strings.ogg", 30.0)]
SPEECH_CLIPS = [("demo/speech-librispeech_198-209-0000.ogg", 24),           # CC BY 4.0
                ("nonmusic/speech/coqui-ai__TTS__LJ001-0001.wav", 8),       # LJSpeech, public domain
                ("nonmusic/speech/thorstenMueller__Thorsten-Voice__sample03-gt.wav", 8)]  # CC0
MUSIC_PATCHES = 200


def write(name, array):
    array.tofile(os.path.join(OUT, name))
    return {"file": name, "dtype": str(array.dtype) + (" little-endian" if array.dtype.itemsize > 1 else ""),
            "shape": list(array.shape)}


def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def parity(network, layers, command):
    inp = layers[0]
    rng = np.random.default_rng(SEED)
    windows = [rng.uniform(inp["lo"], inp["hi"], size=(fe.N_MELS, fe.PATCH_FRAMES)).astype(np.float32)
               for _ in range(2)]
    sources = [f"numpy default_rng({SEED}) uniform {inp['lo']:.6f}..{inp['hi']:.6f}, window {i}" for i in range(2)]
    for clip, seconds in PARITY_CLIPS:
        frames = fe.log_mel_frames(fe.load_mono_16k(os.path.join(DATA, clip)))
        start = int(round(seconds * fe.SAMPLE_RATE / fe.HOP_LENGTH))
        windows.append(np.ascontiguousarray(frames[start:start + fe.PATCH_FRAMES].T))
        sources.append(f"{os.path.basename(clip)}: numpy log-mel frames {start}..{start + fe.PATCH_FRAMES - 1} "
                       f"({seconds:g} s on), float, not quantized")
    inputs = np.stack(windows).astype("<f4")
    logits, embedding = run_torch(network, inputs)
    desc = {
        "model": "yamnet.gsm",
        "inputs": write("yamnet-parity-inputs.f32", inputs),
        "outputs": {"logits": write("yamnet-parity-logits.f32", logits.astype("<f4")),
                    "embedding": write("yamnet-parity-embedding.f32", embedding.astype("<f4"))},
        "layout": "windows [K, 64 mel, 96 frames] (mel band by time, band 0 lowest): YAMNet's [96, 64] "
                  "patches transposed; feed them to the network as they are",
        "outputs_meaning": {"logits": "the model file's output `logits` (clamped to the int8 model's output "
                                      "range; `tags` is their sigmoid)",
                            "embedding": "the model file's output `embedding`: the global average of layer14_pw, "
                                         "clamped to its uint8 range"},
        "reference": "training/common/gsm_network.py (PyTorch float32) on Weights/yamnet.gsm",
        "sources": sources,
        "torch": torch.__version__,
        "made_by": command,
    }
    dump("yamnet-parity.json", desc)
    print(f"wrote yamnet-parity-*: {list(inputs.shape)}; logits {logits.min():.2f}..{logits.max():.2f}")


def clip_patches(path, seconds=None):
    return fe.patches(fe.log_mel_frames(fe.load_mono_16k(path, seconds)))


def ort_fixture(network, layers, int8_path, names, command):
    inp, outl = layers[0], layers[-1]
    patches, sources, music = [], [], []
    for path in sorted(glob.glob(os.path.join(DATA, "gtzan-audio", "valid", "*", "*.ogg"))):
        p = clip_patches(path, 30)
        for i in (len(p) // 4, (2 * len(p)) // 3):
            patches.append(p[i])
            sources.append(f"gtzan valid {os.path.basename(path)} patch {i} ({i * 0.48:.2f} s on)")
    keep = np.unique(np.linspace(0, len(patches) - 1, MUSIC_PATCHES).round().astype(int))
    patches, sources = [patches[i] for i in keep], [sources[i] for i in keep]
    music = [True] * len(patches)
    for clip, count in SPEECH_CLIPS:
        p = clip_patches(os.path.join(DATA, clip))
        for i in np.unique(np.linspace(0, len(p) - 1, min(count, len(p))).round().astype(int)):
            patches.append(p[i])
            sources.append(f"speech {os.path.basename(clip)} patch {i} ({i * 0.48:.2f} s on)")
            music.append(False)
    u8 = fe.quantize(np.stack(patches), inp["scale"], inp["zero_point"])   # [N, 96, 64] as onnxruntime reads
    raw = run_int8(ort_session(int8_path), u8)
    windows_u8 = np.ascontiguousarray(u8.transpose(0, 2, 1))
    deq = (np.float32(inp["scale"]) * (windows_u8.astype(np.float32) - inp["zero_point"])).astype(np.float32)
    ours, _ = run_torch(network, deq)
    theirs = np.float32(outl["scale"]) * (raw.astype(np.float32) - outl["zero_point"])
    music = np.array(music)
    genre_idx = [names.index(c) for c in GENRE_CLASSES]
    d = np.abs(ours - theirs)
    tie, strict = agreement(ours[music], raw[music], outl["scale"])
    reference = {"top_agree": tie, "top_agree_first_of_ties": strict,
                 "genre_p99": float(np.percentile(d[music][:, genre_idx], 99)),
                 "genre_max": float(d[music][:, genre_idx].max()),
                 "all_median": float(np.median(d[music])), "all_p99": float(np.percentile(d[music], 99)),
                 "speech_all_median": float(np.median(d[~music])), "speech_all_p99": float(np.percentile(d[~music], 99))}
    desc = {
        "model": "yamnet.gsm",
        "patches": write("yamnet-ort-patches.u8", windows_u8) | {
            "layout": "[N, 64 mel, 96 frames]: the uint8 patches onnxruntime read ([1, 1, 96, 64] each), transposed",
            "scale": inp["scale"], "zero_point": inp["zero_point"],
            "meaning": "network input = scale x (u - zero_point) (then the model's input clamp, a no-op here)"},
        "logits": write("yamnet-ort-logits.u8", raw.astype(np.uint8)) | {
            "scale": outl["scale"], "zero_point": outl["zero_point"],
            "meaning": "onnxruntime's raw uint8 output of the int8 model; logit = scale x (u - zero_point)"},
        "music": [bool(m) for m in music],
        "genre_classes": {c: names.index(c) for c in GENRE_CLASSES},
        "related_classes": {c: names.index(c) for c in RELATED_CLASSES},
        "targets": TARGETS | {"meaning": "on the music patches: top_agree = share where the engine's top class is "
                                         "one of onnxruntime's (tied) top classes; |logit difference| p99 and max "
                                         "over the genre classes, median and p99 over all 521"},
        "float_reference_scores": reference,
        "frontend": "training/yamnet/yamnet_frontend.py (numpy, YAMNet's settings), 16 kHz by scipy resample_poly, "
                    "quantized with round half to even and saturation",
        "sources": sources,
        "onnxruntime": onnxruntime.__version__,
        "made_by": command,
    }
    dump("yamnet-ort.json", desc)
    print(f"wrote yamnet-ort-*: {len(u8)} patches ({int(music.sum())} music); float reference: "
          + ", ".join(f"{k} {v:.4g}" for k, v in reference.items()))


def main():
    command = ("python training/yamnet/make_yamnet_fixtures.py " + shlex.join(sys.argv[1:])).strip()
    torch.set_num_threads(1)
    zipped, rows, _ = wheel_files()
    names = [r["display_name"] for r in rows]
    work = tempfile.mkdtemp(prefix="yamnet-")
    model, _ = load_onnx(zipped, work)
    layers = walk(model)
    header, network = load_network(MODEL)
    if header["name"] != "yamnet":
        raise SystemExit(f"{MODEL}: model {header['name']!r}, expected yamnet")
    parity(network, layers, command)
    ort_fixture(network, layers, os.path.join(work, "model.onnx"), names, command)
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(OUT, "yamnet-*")))
    print(f"yamnet fixtures: {total} bytes")


if __name__ == "__main__":
    main()
