"""genre-stream against what users would run instead, side by side in one run.

On the same audio and the same trained network (Weights/genre-cnn.gsm and its
ONNX export), measures CPU time (user + system) of:
1. end to end on raw 22.05 kHz mono PCM: the seeds' pipeline (librosa
   melspectrogram + PyTorch forward) against `genre-stream` reading the same
   bytes on stdin; the pipeline as a streaming Python tool runs it (mel
   spectrogram of each window's samples, then its forward pass) and, for
   reference, as a batch job (one mel spectrogram of the whole signal);
2. end to end on a 44.1 kHz stereo file: librosa.load (decode, resample) and
   the per-window pipeline, against `genre-stream FILE`;
3. the CNN alone per window: ONNX Runtime, one thread, against genre-stream's
   kernels (`genre-stream bench --cnn-only`).
Prints each figure and the ratio peer / genre-stream, so the comparison holds
on a busy, shared machine. Both sides are single-threaded.

`peers.py musicnn` measures the msd-musicnn backbone instead, against musicnn's
own TensorFlow graph with its checkpoint (TensorFlow 2.15, one thread) on the
same windows, and musicnn's whole extractor (librosa + TensorFlow) against the
binary end to end. It needs the conversion environment
(training/musicnn/requirements-convert.txt), so run it with that interpreter; nothing
else in the project needs TensorFlow.

Usage: python3 benchmarks/peers.py [--minutes 10] [--binary .build/release/genre-stream]
                                   [--model Weights/genre-cnn.gsm] [--onnx Weights/genre-cnn.onnx]
       TF_PYTHON benchmarks/peers.py musicnn [--minutes 2] [--windows 100]
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BACKBONE = os.path.join(ROOT, "Weights", "msd-musicnn.gsm")
sys.path.insert(0, ROOT)  # the `training` package


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def own_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_genre_stream(binary, args, stdin_path=None):
    before = child_cpu()
    with open(stdin_path or os.devnull, "rb") as stdin, open(os.devnull, "wb") as out:
        subprocess.run([binary] + args, stdin=stdin, stdout=out, check=True)
    return child_cpu() - before


def mel_db(y, f):
    import librosa
    S = librosa.feature.melspectrogram(
        y=y, sr=f["sample_rate"], n_fft=f["n_fft"], hop_length=f["hop_length"], center=False,
        window="hann", power=2.0, n_mels=f["n_mels"], fmin=f["fmin"], fmax=f["fmax"], htk=False, norm="slaney")
    return 10 * np.log10(np.maximum(S, f["compression"]["floor"]))


def classify(w, f, network):
    import torch
    w = np.maximum(w, w.max() - f["compression"]["top_db"])
    x = (w - w.mean()) / (w.std() + f["standardize_eps"])
    return int(network(torch.from_numpy(x.astype(np.float32))[None, None]).argmax())


def librosa_pipeline(y, header, network, per_window):
    """The seeds' pipeline. per_window: as a streaming Python tool runs it, the
    mel spectrogram of each 3-s window's samples, then its forward pass;
    otherwise one mel spectrogram of the whole signal (batch, not streaming)."""
    import torch
    f = header["frontend"]
    frames, hop = f["frames_per_window"], f["hop_length"]
    span = (frames - 1) * hop + f["n_fft"]
    labels = []
    with torch.no_grad():
        if per_window:
            for start in range(0, y.size - span + 1, frames * hop):
                labels.append(classify(mel_db(y[start:start + span], f), f, network))
        else:
            db = mel_db(y, f)
            for start in range(0, db.shape[1] - frames + 1, frames):
                labels.append(classify(db[:, start:start + frames], f, network))
    return labels


def looped_clip(path, minutes):
    clip, clip_rate = soundfile.read(path, dtype="float32", always_2d=True)
    repeats = int(np.ceil(minutes * 60 * clip_rate / clip.shape[0]))
    return np.tile(clip, (repeats, 1))[: int(minutes * 60 * clip_rate)], clip_rate


def gs_network_ms(binary, model, windows):
    bench = subprocess.run([binary, "bench", "--cnn-only", "--model", model, "--windows", str(windows)],
                           capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Network per window: ([0-9.]+) ms", bench).group(1)) / 1e3


def print_rows(rows):
    print(f"\n{'measure':56s} {'peer':>10s} {'genre-stream':>13s} {'peer / genre-stream':>20s}")
    for label, peer, gs, unit in rows:
        scale = 1e3 if unit.startswith("ms") else 1
        print(f"{label:56s} {peer * scale:10.3f} {gs * scale:13.4f} {peer / gs:19.2f}x   ({unit})")


def musicnn_main(argv):
    """The backbone against musicnn's TensorFlow graph, one thread each."""
    parser = argparse.ArgumentParser(prog="peers.py musicnn")
    parser.add_argument("--minutes", type=float, default=2, help="audio for the end-to-end runs")
    parser.add_argument("--windows", type=int, default=100, help="windows for the backbone-only comparison")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "genre-stream"))
    parser.add_argument("--clip", default=os.path.join(ROOT, "demo", "vibe_ace-kevin_macleod.ogg"))
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import librosa
    import tensorflow as tf
    from training.musicnn.convert_musicnn import build_tf_graph
    sess, x, is_training, outputs = build_tf_graph(threads=1)
    print(f"peers musicnn: TensorFlow {tf.__version__} (1 thread) vs genre-stream --model Weights/msd-musicnn.gsm; CPU {cpu_name()}")
    stereo, clip_rate = looped_clip(args.clip, args.minutes)
    mono16 = librosa.resample(stereo.mean(axis=1), orig_sr=clip_rate, target_sr=16000, res_type="soxr_hq")
    mel = librosa.feature.melspectrogram(y=mono16, sr=16000, n_fft=512, hop_length=256, n_mels=96)
    logmel = np.log10(1 + 10000 * mel).T.astype(np.float32)
    patches = np.stack([logmel[k * 187:(k + 1) * 187] for k in range(logmel.shape[0] // 187)])
    seconds = mono16.size / 16000
    rows = []

    # 1. The backbone per window, one window per call as a stream needs it.
    one = patches[:1]
    for _ in range(5):
        sess.run(outputs["tags"], {x: one, is_training: False})
    best = float("inf")
    for _ in range(3):
        start = own_cpu()
        for k in range(args.windows):
            sess.run(outputs["tags"], {x: patches[k % len(patches)][None], is_training: False})
        best = min(best, (own_cpu() - start) / args.windows)
    gs_window = gs_network_ms(args.binary, BACKBONE, args.windows)
    rows.append(("backbone per window, TensorFlow 1 thread", best, gs_window, "ms CPU"))

    # 2. End to end on the same audio: musicnn's pipeline (librosa mel + TF, 1 thread) on
    #    16 kHz samples against the binary reading the same samples as raw PCM.
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = os.path.join(tmp, "stream.raw")
        (np.clip(mono16, -1, 1) * 32767).round().astype("<i2").tofile(raw_path)
        gs = run_genre_stream(args.binary, ["--model", BACKBONE, "-f", "S16_LE", "-r", "16000", "-c", "1",
                                            "--output", "jsonl"], raw_path)
        start = own_cpu()
        y = np.fromfile(raw_path, dtype="<i2").astype(np.float32) / 32768
        m = np.log10(1 + 10000 * librosa.feature.melspectrogram(y=y, sr=16000, n_fft=512, hop_length=256, n_mels=96)).T
        for k in range(m.shape[0] // 187):
            sess.run(outputs["tags"], {x: m[k * 187:(k + 1) * 187][None], is_training: False})
        peer = own_cpu() - start
        rows.append((f"raw S16 16 kHz mono {seconds:.0f} s, librosa + TensorFlow", peer, gs, "s CPU"))
    print_rows(rows)
    print(f"\ngenre-stream --model Weights/msd-musicnn.gsm end to end on raw 16 kHz PCM: {seconds / gs:.0f}x faster than real time (CPU time)")
    return rows


def main():
    if sys.argv[1:2] == ["musicnn"]:
        return musicnn_main(sys.argv[2:])
    import torch
    from training.common.gsm_network import load_network
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10, help="length of the audio for the end-to-end runs")
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "genre-stream"))
    parser.add_argument("--model", default=os.path.join(ROOT, "Weights", "genre-cnn.gsm"))
    parser.add_argument("--onnx", default=os.path.join(ROOT, "Weights", "genre-cnn.onnx"))
    parser.add_argument("--clip", default=os.path.join(ROOT, "demo", "vibe_ace-kevin_macleod.ogg"),
                        help="music looped to --minutes for both pipelines")
    parser.add_argument("--windows", type=int, default=2000, help="windows for the CNN-only comparison")
    args = parser.parse_args()
    header, network = load_network(args.model)
    f = header["frontend"]
    rate = f["sample_rate"]
    print(f"peers: model {os.path.relpath(args.model, ROOT)}; torch {torch.__version__}, 1 thread; "
          f"CPU {cpu_name()}")

    stereo, clip_rate = looped_clip(args.clip, args.minutes)
    import librosa
    mono = librosa.resample(stereo.mean(axis=1), orig_sr=clip_rate, target_sr=rate, res_type="soxr_hq").astype(np.float32)
    seconds = mono.size / rate
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        raw_path = os.path.join(tmp, "stream.raw")
        (np.clip(mono, -1, 1) * 32767).round().astype("<i2").tofile(raw_path)
        wav_path = os.path.join(tmp, "stream.wav")
        soundfile.write(wav_path, stereo, clip_rate, subtype="PCM_16")

        # 1. Raw 22.05 kHz mono PCM.
        gs = run_genre_stream(args.binary, ["--model", args.model, "-f", "S16_LE", "-r", str(rate), "-c", "1",
                                            "--output", "jsonl"], raw_path)
        for per_window in (True, False):
            start = own_cpu()
            y = np.fromfile(raw_path, dtype="<i2").astype(np.float32) / 32768
            librosa_pipeline(y, header, network, per_window)
            peer = own_cpu() - start
            how = "per window" if per_window else "whole signal"
            rows.append((f"raw S16 {rate} Hz mono {seconds:.0f} s, librosa {how}", peer, gs, "s CPU"))

        # 2. A 44.1 kHz stereo WAV file: decoding and resampling count too.
        gs = run_genre_stream(args.binary, ["--model", args.model, "--output", "jsonl", wav_path])
        start = own_cpu()
        y, _ = librosa.load(wav_path, sr=rate, mono=True, res_type="soxr_hq")
        librosa_pipeline(y, header, network, per_window=True)
        peer = own_cpu() - start
        rows.append((f"44.1 kHz stereo WAV {seconds:.0f} s, load + per window", peer, gs, "s CPU"))

    # 3. The CNN alone.
    import onnxruntime
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(args.onnx, options, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((1, 1, f["n_mels"], f["frames_per_window"])).astype(np.float32)
    name = session.get_inputs()[0].name
    for _ in range(50):
        session.run(None, {name: x})
    best = float("inf")
    for _ in range(5):
        start = own_cpu()
        for _ in range(args.windows):
            session.run(None, {name: x})
        best = min(best, (own_cpu() - start) / args.windows)
    with torch.no_grad():
        xt = torch.from_numpy(x)
        for _ in range(20):
            network(xt)
        start = own_cpu()
        for _ in range(args.windows // 4):
            network(xt)
        torch_per_window = (own_cpu() - start) / (args.windows // 4)
    gs_cnn = gs_network_ms(args.binary, args.model, args.windows)
    rows.append(("CNN per window, ONNX Runtime 1 thread", best, gs_cnn, "ms CPU"))
    rows.append(("CNN per window, PyTorch 1 thread", torch_per_window, gs_cnn, "ms CPU"))

    print_rows(rows)
    print(f"\ngenre-stream end to end on raw PCM: {seconds / rows[0][2]:.0f}x faster than real time (CPU time)")
    return rows


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
