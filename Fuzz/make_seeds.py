"""Writes the fuzzers' seed corpus: Fuzz/corpus/stream/ and Fuzz/corpus/model/.

Stream seeds are small valid inputs of every container and codec StdinSource reads
(several longer than its 512-byte minimum buffer, so refills happen); model seeds are
valid models of a few shapes. Version-2 model seeds (a graph of named nodes and
named outputs, Weights/FORMAT.md) are written by training/common/gsm_format.py's `write_gsm`;
the version-1 seeds (a layer list and labels), which the loader still reads, by the
small version-1 writer below, as they were first written. Each file stays under
10 KB so that libFuzzer mutates them quickly (scripts/fuzz.sh: -max_len=16384).
`found-*` (valid), `reject-*` (model errors) and `overflow-*` (valid, but weights that
overflow to NaN: a model error at the first window) model files are inputs kept from fuzz
runs, their preamble's header length and CRC fixed up as the harness does; this script
leaves them alone.
Usage: python3 Fuzz/make_seeds.py   (from the repository root; needs numpy)
"""
import json
import math
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the `training` package

import numpy as np  # noqa: E402

from training.common.gsm_format import (GENRES, frame_gsm, pack_gsm, tensors_for_layers, tensors_for_nodes,  # noqa: E402
                                        write_gsm, write_gsm_fused)

STREAM = os.path.join(ROOT, "Fuzz", "corpus", "stream")
MODEL = os.path.join(ROOT, "Fuzz", "corpus", "model")


def sine(n, channels=1):
    return [math.sin(2 * math.pi * 440 * i / 8000 + c) * 0.8 for i in range(n) for c in range(channels)]


def pcm(values, codec):
    """Encodes floats in [-1, 1] the way the container says; codec = (struct code, scale, offset)."""
    fmt, scale, offset = codec
    return b"".join(struct.pack(fmt, type(scale)(v * scale + offset) if isinstance(scale, int) else v) for v in values)


def chunk(cid, body):
    pad = b"\0" if len(body) % 2 else b""
    return cid + struct.pack("<I", len(body)) + body + pad


def fmt_chunk(tag, channels, rate, bits, extensible_tag=None):
    block = channels * bits // 8
    body = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    if extensible_tag is not None:
        guid = struct.pack("<H", extensible_tag) + bytes(
            [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
        body += struct.pack("<HHI", 22, bits, (1 << channels) - 1) + guid
    return chunk(b"fmt ", body)


def wav(tag, channels, rate, bits, payload, extensible_tag=None, before_data=b"", after_data=b""):
    body = b"WAVE" + fmt_chunk(tag, channels, rate, bits, extensible_tag) + before_data
    body += chunk(b"data", payload) + after_data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def au(encoding, channels, rate, payload, annotation=b"", size=None):
    offset = 24 + len(annotation)
    size = len(payload) if size is None else size
    return b".snd" + struct.pack(">IIIII", offset, size, encoding, rate, channels) + annotation + payload


def stream_seeds():
    s16 = ("<h", 32767, 0)
    seeds = {
        "wav-u8-mono.wav": wav(1, 1, 8000, 8, pcm(sine(300), ("<B", 127, 128))),
        "wav-s16-stereo.wav": wav(1, 2, 44100, 16, pcm(sine(400, 2), s16)),
        "wav-s24-mono.wav": wav(1, 1, 48000, 24, b"".join(
            struct.pack("<i", int(v * 8388607))[:3] for v in sine(250))),
        "wav-s32-mono.wav": wav(1, 1, 96000, 32, pcm(sine(100), ("<i", 2147483647, 0))),
        "wav-float32-stereo.wav": wav(3, 2, 22050, 32, pcm(sine(100, 2), ("<f", 1.0, 0))),
        "wav-float64-mono.wav": wav(3, 1, 16000, 64, pcm(sine(60), ("<d", 1.0, 0))),
        "wav-alaw.wav": wav(6, 1, 8000, 8, bytes(range(0, 256, 3))),
        "wav-mulaw.wav": wav(7, 1, 8000, 8, bytes(range(1, 256, 3))),
        "wav-extensible-s16-6ch.wav": wav(0xFFFE, 6, 48000, 16, pcm(sine(60, 6), s16), extensible_tag=1),
        "wav-extensible-float.wav": wav(0xFFFE, 2, 44100, 32, pcm(sine(50, 2), ("<f", 1.0, 0)), extensible_tag=3),
        # Chunks before and after data, one of odd size (a pad byte follows it).
        "wav-list-fact-odd.wav": wav(1, 1, 22050, 16, pcm(sine(200), s16),
                                     before_data=chunk(b"LIST", b"INFOISFT\x05\0\0\0sox\0\0") + chunk(b"fact", b"\x07\0\0\0\0"),
                                     after_data=chunk(b"JUNK", b"x" * 9)),
        # A trailing partial frame: 3 bytes of 16-bit stereo.
        "wav-partial-frame.wav": wav(1, 2, 8000, 16, pcm(sine(40, 2), s16) + b"\x01\x02\x03"),
    }
    # arecord's streaming header: RIFF and data sizes are placeholders, read until the end.
    body = pcm(sine(600), s16)
    seeds["wav-arecord-stream.wav"] = (b"RIFF" + struct.pack("<I", 0x7FFFFFFF) + b"WAVE" + fmt_chunk(1, 1, 16000, 16)
                                       + b"data" + struct.pack("<I", 0x80000000) + body)
    ds64 = chunk(b"ds64", struct.pack("<QQQI", 0, 2 * 150, 150, 0))
    seeds["rf64-s16.wav"] = (b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + ds64 + fmt_chunk(1, 1, 8000, 16)
                             + b"data" + struct.pack("<I", 0xFFFFFFFF) + pcm(sine(150), s16))
    seeds["au-s16-stereo.au"] = au(3, 2, 44100, pcm(sine(300, 2), (">h", 32767, 0)), annotation=b"fuzz seed\0\0\0\0\0\0\0")
    seeds["au-mulaw-stream.au"] = au(1, 1, 8000, bytes(range(256)) * 3, size=0xFFFFFFFF)
    seeds["au-float32.au"] = au(6, 1, 8000, pcm(sine(80), (">f", 1.0, 0)))
    seeds["au-float64.au"] = au(7, 1, 8000, pcm(sine(40), (">d", 1.0, 0)))
    seeds["au-s24.au"] = au(4, 1, 8000, b"".join(struct.pack(">i", int(v * 8388607))[1:] for v in sine(200)))
    seeds["au-s8.au"] = au(2, 1, 11025, bytes(i & 0xFF for i in range(700)))
    seeds["au-s32.au"] = au(5, 1, 32000, pcm(sine(50), (">i", 2147483647, 0)))
    seeds["au-alaw.au"] = au(27, 1, 8000, bytes(range(255, 0, -2)))
    # Headerless: the fuzzer picks the raw codec and channel count from the first two bytes.
    seeds["raw-s16.raw"] = bytes([2, 0]) + pcm(sine(500), s16)
    seeds["raw-bytes.raw"] = bytes((i * 37 + 11) & 0xFF for i in range(1025))
    os.makedirs(STREAM, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(STREAM, name), "wb") as f:
            f.write(data)


# ---------------------------------------------------------------- version 1

# The small CNN's frontend in version 1's words (flat log_floor, top_db, standardize_eps).
V1_FRONTEND = {
    "sample_rate": 22050, "n_fft": 2048, "hop_length": 1696, "window": "hann", "n_mels": 128,
    "fmin": 0.0, "fmax": 11025.0, "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
    "log_floor": 1e-10, "top_db": 80.0, "frames_per_window": 39, "standardize_eps": 1e-5,
}
V1_SMALL_FRONTEND = dict(V1_FRONTEND, n_mels=16, frames_per_window=8, n_fft=256, hop_length=128,
                         sample_rate=8000, fmax=4000.0)


def write_gsm_v1(path, layers, tensors, labels, frontend=None, name="gtzan-cnn", metadata=None):
    """Writes a version-1 model file (a `layers` chain and `labels`), byte for byte as
    gsm_format.write_gsm did before version 2. No checks: the regressions are invalid."""
    fields = {"name": name, "labels": list(labels), "frontend": dict(V1_FRONTEND if frontend is None else frontend),
              "layers": layers}
    with open(path, "wb") as f:
        f.write(pack_gsm(fields, tensors, metadata, version=1))


def random_tensors(layers, rng):
    return random_named(tensors_for_layers(layers), rng)


def random_named(needed, rng):
    tensors = {}
    for name, shape in needed:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        tensors[name] = rng.normal(0, 1 / np.sqrt(fan_in), size=shape).astype(np.float32)
    return tensors


def v1_model_seeds():
    rng = np.random.default_rng(5)
    small_frontend = V1_SMALL_FRONTEND
    models = {
        # The smallest accepted network: average the input and map it to the labels.
        "minimal.gsm": ([{"op": "global_avgpool"},
                         {"op": "dense", "name": "fc", "in_features": 1, "out_features": 3, "relu": False},
                         {"op": "softmax"}], ["a", "b", "c"], small_frontend, None),
        "conv-pool-dense.gsm": ([{"op": "conv3x3", "name": "c1", "in_channels": 1, "out_channels": 3, "relu": True},
                                 {"op": "maxpool", "kernel": [4, 2]},
                                 {"op": "conv3x3", "name": "c2", "in_channels": 3, "out_channels": 2, "relu": False},
                                 {"op": "global_avgpool"},
                                 {"op": "dense", "name": "fc1", "in_features": 2, "out_features": 5, "relu": True},
                                 {"op": "dense", "name": "fc2", "in_features": 5, "out_features": 2, "relu": False},
                                 {"op": "softmax"}], ["speech", "music"], small_frontend, {"note": "seed"}),
        "default-frontend.gsm": ([{"op": "conv3x3", "name": "conv1", "in_channels": 1, "out_channels": 2, "relu": True},
                                  {"op": "maxpool", "kernel": [2, 3]},
                                  {"op": "global_avgpool"},
                                  {"op": "dense", "name": "fc", "in_features": 2, "out_features": 10, "relu": False},
                                  {"op": "softmax"}], GENRES, None, {}),
    }
    os.makedirs(MODEL, exist_ok=True)
    for name, (layers, labels, frontend, metadata) in models.items():
        write_gsm_v1(os.path.join(MODEL, name), layers, random_tensors(layers, rng), labels=labels,
                     frontend=frontend, name=name[:-4], metadata=metadata)
    # The small random fixture in both versions (Tests/EngineTests/Fixtures).
    fixtures = os.path.join(ROOT, "Tests", "EngineTests", "Fixtures")
    for src, dst in (("fixture-random-v1.gsm", "fixture-random-v1.gsm"), ("fixture-random.gsm", "fixture-random.gsm")):
        with open(os.path.join(fixtures, src), "rb") as f:
            data = f.read()
        with open(os.path.join(MODEL, dst), "wb") as f:
            f.write(data)


# ---------------------------------------------------------------- version 2

SMALL_FRONTEND = {
    "sample_rate": 8000, "n_fft": 256, "hop_length": 128, "window": "hann", "n_mels": 16,
    "fmin": 0.0, "fmax": 4000.0, "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
    "compression": {"kind": "db", "floor": 1e-10, "top_db": 80.0},
    "frames_per_window": 8, "standardize": True, "standardize_eps": 1e-5,
}
# musicnn's frontend (log10(1 + 10000 mel), centred frames, no standardisation), miniature.
MUSICNN_FRONTEND = {
    "sample_rate": 16000, "n_fft": 512, "hop_length": 256, "window": "hann", "center": True,
    "n_mels": 12, "fmin": 0.0, "fmax": 8000.0, "mel_scale": "slaney", "mel_norm": "slaney", "power": 2.0,
    "compression": {"kind": "log10_1p", "k": 10000.0}, "frames_per_window": 10, "standardize": False,
}


class Graph:
    def __init__(self):
        self.nodes = []

    def __call__(self, name, op, inputs, **fields):
        self.nodes.append({"name": name, "op": op, "inputs": list(inputs), **fields})
        return name


def every_op_graph():
    """Input [1, 16, 8]; every op, several branches, outputs genre + tags + embedding."""
    g = Graph()
    x = g("input_bn", "affine", ["input"])
    # conv -> relu -> affine -> reduce(max, h), each read only by the next: run fused.
    a = g("a", "conv2d", [x], out_channels=3, kernel=[5, 2], pad=[2, 1, 0, 1])       # [3, 15, 8]
    a = g("a_relu", "relu", [a])
    a = g("a_bn", "affine", [a])
    a = g("a_max", "reduce", [a], kind="max", axis="h")                                # [3, 1, 8]
    # conv with its own relu straight into the max: fused, no relu/affine nodes.
    b = g("b", "conv2d", [x], out_channels=2, kernel=[16, 1], relu=True)              # [2, 1, 8]
    b = g("b_max", "reduce", [b], kind="max", axis="h")
    # conv -> affine -> max, the affine's output also read elsewhere: not fused.
    c = g("c", "conv2d", [x], out_channels=1, kernel=[4, 3], pad=[0, 1, 1, 1])        # [1, 13, 8]
    c = g("c_bn", "affine", [c])
    cm = g("c_max", "reduce", [c], kind="max", axis="h")                               # [1, 1, 8]
    front = g("front", "concat", [a, b, cm], axis="c")                                 # [6, 1, 8]
    mid = g("mid", "conv2d", [front], out_channels=6, kernel=[1, 3], pad=[0, 0, 1, 1])
    mid = g("mid_relu", "relu", [mid])
    res = g("res", "add", [mid, front])                                                # [6, 1, 8]
    mean = g("res_mean", "reduce", [res], kind="mean", axis="w")                       # [6, 1, 1]
    # A strided pool of the map and a second conv on it.
    p = g("pool", "maxpool", [c], kernel=[3, 2], stride=[2, 3])                        # [1, 6, 3]
    p = g("p_conv", "conv2d", [p], out_channels=2, kernel=[2, 2], pad=[1, 0, 0, 1], relu=True)  # [2, 6, 3]
    p = g("p_pool", "maxpool", [p], kernel=[2, 1])                                     # [2, 3, 3]
    pm = g("p_max_w", "reduce", [p], kind="max", axis="w")                             # [2, 3, 1]
    pm = g("p_mean_h", "reduce", [pm], kind="mean", axis="h")                          # [2, 1, 1]
    gap = g("gap", "global_avgpool", [p])                                              # [2, 1, 1]
    feat = g("features", "concat", [mean, pm, gap], axis="c")                          # [10, 1, 1]
    emb = g("embedding", "dense", [feat], out_features=6, relu=True)
    logits = g("genre_logits", "dense", [emb], out_features=3)
    g("genre", "softmax", [logits])
    tags = g("tag_logits", "dense", [p], out_features=4)                               # flattens [2, 3, 3]
    g("tags", "sigmoid", [tags])
    outputs = [{"name": "genre", "node": "genre", "labels": ["x", "y", "z"]},
               {"name": "tags", "node": "tags", "labels": ["t0", "t1", "t2", "t3"]},
               {"name": "embedding", "node": "embedding"}]
    return g.nodes, outputs


def musicnn_mini_graph():
    """musicnn's shape (timbral and temporal front branches, residual mid-end, max and
    mean pooling, dense back-end), with a 12 x 10 input and 1 to 4 channels; outputs
    tags and embedding, no genre."""
    g = Graph()
    x = g("input_bn", "affine", ["input"])
    branches = []
    # (name, kernel, pad): timbral kernels span part of the mel axis, temporal ones
    # only time; TF "same" on an even kernel pads one more after than before.
    for name, kernel, pad, out in (("timbral_5", [5, 7], [0, 0, 3, 3], 2),
                                   ("timbral_9", [9, 3], [0, 0, 1, 1], 2),
                                   ("temporal_6", [1, 6], [0, 0, 2, 3], 1),
                                   ("temporal_3", [1, 3], [0, 0, 1, 1], 1)):
        y = g(name, "conv2d", [x], out_channels=out, kernel=kernel, pad=pad)
        y = g(f"{name}_relu", "relu", [y])
        y = g(f"{name}_bn", "affine", [y])
        branches.append(g(f"{name}_max", "reduce", [y], kind="max", axis="h"))
    front = g("front", "concat", branches, axis="c")                                  # [6, 1, 10]
    prev, mids = front, []
    for i in range(2):
        y = g(f"mid{i}", "conv2d", [prev], out_channels=4, kernel=[1, 7], pad=[0, 0, 3, 3])
        y = g(f"mid{i}_relu", "relu", [y])
        y = g(f"mid{i}_bn", "affine", [y])
        if i > 0:
            y = g(f"mid{i}_sum", "add", [y, prev])
        mids.append(y)
        prev = y
    features = g("features", "concat", [front] + mids, axis="c")                      # [14, 1, 10]
    pmax = g("pool_max", "reduce", [features], kind="max", axis="w")
    pmean = g("pool_mean", "reduce", [features], kind="mean", axis="w")
    pool = g("pool", "concat", [pmax, pmean], axis="c")                               # [28, 1, 1]
    pool = g("pool_bn", "affine", [pool])
    y = g("dense", "dense", [pool], out_features=8)
    y = g("dense_relu", "relu", [y])
    y = g("embedding", "affine", [y])
    y = g("tag_logits", "dense", [y], out_features=5)
    g("tags", "sigmoid", [y])
    outputs = [{"name": "tags", "node": "tags", "labels": ["rock", "pop", "jazz", "beat", "guitar"]},
               {"name": "embedding", "node": "embedding"}]
    return g.nodes, outputs


def v2_model_seeds():
    rng = np.random.default_rng(7)
    for fname, (nodes, outputs), frontend in (("v2-every-op.gsm", every_op_graph(), SMALL_FRONTEND),
                                              ("v2-musicnn-mini.gsm", musicnn_mini_graph(), MUSICNN_FRONTEND)):
        shape = [1, frontend["n_mels"], frontend["frames_per_window"]]
        tensors = random_named(tensors_for_nodes(nodes, shape), rng)
        write_gsm(os.path.join(MODEL, fname), nodes, tensors, frontend=frontend, name=fname[:-4],
                  metadata={"note": "fuzz seed"}, outputs=outputs)
        repack(os.path.join(MODEL, fname), compact)


def mobilenet_mini_graph():
    """YAMNet's shape in miniature on an 8 x 12 input: a clamp, a strided capped conv,
    depthwise 3x3 at strides 1 and 2 with TF "same" padding, capped pointwise convs,
    global average pool, dense, clamp, sigmoid; outputs tags and embedding."""
    g = Graph()
    x = g("input_clamp", "clamp", ["input"], min=-6.9, max=5.3)
    x = g("layer1", "conv2d", [x], out_channels=4, kernel=[3, 3], stride=[2, 2], pad=[0, 1, 0, 1], relu=True, relu_max=6.0)  # [4, 4, 6]
    x = g("layer2_dw", "depthwise_conv2d", [x], kernel=[3, 3], stride=[1, 1], pad=[1, 1, 1, 1], relu=True, relu_max=3.5)
    x = g("layer2_pw", "conv2d", [x], out_channels=6, kernel=[1, 1], relu=True, relu_max=2.0)                    # [6, 4, 6]
    x = g("layer3_dw", "depthwise_conv2d", [x], kernel=[3, 3], stride=[2, 2], pad=[0, 1, 0, 1], relu=True)        # [6, 2, 3]
    x = g("layer3_pw", "conv2d", [x], out_channels=9, kernel=[1, 1], relu=True, relu_max=1.5)                    # [9, 2, 3]
    emb = g("embedding", "global_avgpool", [x])
    y = g("classifier", "dense", [emb], out_features=5)
    y = g("logits", "clamp", [y], min=-143.7, max=49.2)
    g("tags", "sigmoid", [y])
    outputs = [{"name": "tags", "node": "tags", "labels": ["Music", "Speech", "Jazz", "Rock music", "Blues"]},
               {"name": "embedding", "node": "embedding"}]
    return g.nodes, outputs


YAMNET_MINI_FRONTEND = {
    "sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160, "window": "hann", "center": False,
    "n_mels": 8, "fmin": 125.0, "fmax": 7500.0, "mel_scale": "htk_tf", "mel_norm": "none", "power": 1.0,
    "compression": {"kind": "log", "offset": 0.001}, "frames_per_window": 12, "window_hop_frames": 6,
    "standardize": False,
}


def v3_model_seeds():
    """Fused models: the every-op graph as primary with the MobileNet miniature beside it
    (another rate), a fusion of both; and the MobileNet miniature fused on its own."""
    rng = np.random.default_rng(11)
    primary_nodes, primary_outputs = every_op_graph()
    mobile_nodes, mobile_outputs = mobilenet_mini_graph()
    def member(name, nodes, outputs, frontend):
        shape = [1, frontend["n_mels"], frontend["frames_per_window"]]
        header = {"frontend": frontend, "nodes": nodes, "outputs": outputs}
        return name, header, random_named(tensors_for_nodes(nodes, shape), rng)
    fusion = {"terms": [{"member": "main", "output": "genre", "score": "log_probability", "weights": [1.0, 1.0, 0.5]},
                        {"member": "sounds", "output": "tags", "score": "log_group_sum", "groups": [[2], [3, 4], []],
                         "weights": [0.5, 1.0, 0.0]}],
             "bias": [0.0, -0.5, 0.2]}
    path = os.path.join(MODEL, "v3-fused-two-rates.gsm")
    write_gsm_fused(path, "v3-fused", [member("main", primary_nodes, primary_outputs, SMALL_FRONTEND),
                                       member("sounds", mobile_nodes, mobile_outputs, YAMNET_MINI_FRONTEND)],
                    fusion, {"note": "fuzz seed"})
    repack(path, compact)
    # A one-member version-3 file needs no fusion.
    path = os.path.join(MODEL, "v3-one-member.gsm")
    write_gsm_fused(path, "v3-one", [member("sounds", mobile_nodes, mobile_outputs, YAMNET_MINI_FRONTEND)], None,
                    {"note": "fuzz seed"})
    repack(path, compact)
    # The miniature with its pointwise weights int8 and their per-channel scales, as YAMNet ships.
    name, header, tensors = member("sounds", mobile_nodes, mobile_outputs, YAMNET_MINI_FRONTEND)
    for node in ("layer2_pw", "layer3_pw"):
        w = tensors[node + ".weight"]
        tensors[node + ".weight"] = rng.integers(-127, 128, size=w.shape).astype(np.int8)
        tensors[node + ".weight_scale"] = rng.uniform(0.001, 0.02, size=w.shape[0]).astype(np.float32)
    path = os.path.join(MODEL, "v3-int8-pointwise.gsm")
    write_gsm_fused(path, "v3-int8", [(name, header, tensors)], None, {"note": "fuzz seed"})
    repack(path, compact)


# ---------------------------------------------------------------- regressions

def repack(path, edit):
    """Replaces the JSON header of the model at `path` by `edit(header bytes)`,
    realigning the tensor data behind it; keeps the file's version."""
    with open(path, "rb") as f:
        raw = f.read()
    version, header_length = struct.unpack("<II", raw[4:12])
    header = edit(raw[16:16 + header_length])
    old_start = (16 + header_length + 63) // 64 * 64
    with open(path, "wb") as f:
        f.write(frame_gsm(version, header, raw[old_start:]))


def compact(header):
    """The header as one-line JSON: write_gsm indents it, which doubles a small seed."""
    return json.dumps(json.loads(header), separators=(",", ":")).encode("utf-8")


def set_first_offset(path, offset):
    """Rewrites the first tensor's offset (0) in the header of the model at `path`."""
    repack(path, lambda header: header.replace(b'"offset": 0', b'"offset": %d' % offset, 1))


def model_regressions():
    """Models that once crashed the loader or made `Network` allocate gigabytes; the
    loader must now reject each with a model error (Tests/EngineTests/FuzzRegressionTests).
    The version-1 files as first found; `-v2` ones the same in version 2."""
    rng = np.random.default_rng(6)
    layers = [{"op": "global_avgpool"},
              {"op": "dense", "name": "fc", "in_features": 1, "out_features": 3, "relu": False},
              {"op": "softmax"}]
    # A tensor offset near Int.max, a multiple of 64: `data_start + offset` overflowed.
    path = os.path.join(MODEL, "regress-offset-overflow.gsm")
    tensors = random_tensors(layers, rng)
    write_gsm_v1(path, layers, tensors, labels=["a", "b", "c"], frontend=V1_SMALL_FRONTEND,
                 name="offset-overflow", metadata={})
    set_first_offset(path, 9223372036854775744)
    path = os.path.join(MODEL, "regress-offset-overflow-v2.gsm")
    write_gsm(path, layers, tensors, labels=["a", "b", "c"], frontend=SMALL_FRONTEND, name="offset-overflow", metadata={})
    set_first_offset(path, 9223372036854775744)
    # 9 KB asking for a 200-channel map of 256 x 4096: 840 MB for each of Network's two
    # activation buffers.
    big_frontend = dict(V1_FRONTEND, n_mels=256, frames_per_window=4096)
    layers = [{"op": "conv3x3", "name": "wide", "in_channels": 1, "out_channels": 200, "relu": True},
              {"op": "global_avgpool"},
              {"op": "dense", "name": "fc", "in_features": 200, "out_features": 2, "relu": False},
              {"op": "softmax"}]
    tensors = random_tensors(layers, rng)
    write_gsm_v1(os.path.join(MODEL, "regress-huge-feature-map.gsm"), layers, tensors,
                 labels=["a", "b"], frontend=big_frontend, name="huge-feature-map", metadata={})
    write_gsm(os.path.join(MODEL, "regress-huge-feature-map-v2.gsm"), layers, tensors,
              labels=["a", "b"], frontend=big_frontend, name="huge-feature-map", metadata={})


if __name__ == "__main__":
    stream_seeds()
    v1_model_seeds()
    v2_model_seeds()
    v3_model_seeds()
    model_regressions()
