"""Writes the fuzzers' seed corpus: Fuzz/corpus/stream/ and Fuzz/corpus/model/.

Stream seeds are small valid inputs of every container and codec StdinSource reads
(several longer than its 512-byte minimum buffer, so refills happen); model seeds are
valid models of a few shapes, written by training/gsm_format.py. Each file stays
under 10 KB so that libFuzzer mutates them quickly.
Usage: python3 Fuzz/make_seeds.py   (from the repository root; needs numpy)
"""
import math
import os
import struct
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "training"))

import numpy as np  # noqa: E402

from gsm_format import DEFAULT_FRONTEND, GENRES, tensors_for_layers, write_gsm  # noqa: E402

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


def random_tensors(layers, rng):
    tensors = {}
    for name, shape in tensors_for_layers(layers):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        tensors[name] = rng.normal(0, 1 / np.sqrt(fan_in), size=shape).astype(np.float32)
    return tensors


def model_seeds():
    rng = np.random.default_rng(5)
    small_frontend = dict(DEFAULT_FRONTEND, n_mels=16, frames_per_window=8, n_fft=256, hop_length=128, sample_rate=8000, fmax=4000.0)
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
        write_gsm(os.path.join(MODEL, name), layers, random_tensors(layers, rng), labels=labels,
                  frontend=frontend, name=name[:-4], metadata=metadata)
    with open(os.path.join(ROOT, "Tests", "EngineTests", "Fixtures", "fixture-random.gsm"), "rb") as src:
        data = src.read()
    with open(os.path.join(MODEL, "fixture-random.gsm"), "wb") as f:
        f.write(data)


def model_regressions():
    """Models that once crashed the loader or made `Network` allocate gigabytes; the
    loader must now reject each with a model error (Tests/EngineTests/FuzzRegressionTests)."""
    rng = np.random.default_rng(6)
    small_frontend = dict(DEFAULT_FRONTEND, n_mels=16, frames_per_window=8, n_fft=256, hop_length=128, sample_rate=8000, fmax=4000.0)
    layers = [{"op": "global_avgpool"},
              {"op": "dense", "name": "fc", "in_features": 1, "out_features": 3, "relu": False},
              {"op": "softmax"}]
    # A tensor offset near Int.max, a multiple of 64: `data_start + offset` overflowed.
    path = os.path.join(MODEL, "regress-offset-overflow.gsm")
    write_gsm(path, layers, random_tensors(layers, rng), labels=["a", "b", "c"], frontend=small_frontend,
              name="offset-overflow", metadata={})
    with open(path, "rb") as f:
        raw = f.read()
    header_length = struct.unpack("<I", raw[8:12])[0]
    header = raw[16:16 + header_length].replace(b'"offset": 0', b'"offset": 9223372036854775744')
    new_length = len(header)
    # The header grew: realign the tensor data behind it as the format requires.
    data_start = (16 + new_length + 63) // 64 * 64
    old_start = (16 + header_length + 63) // 64 * 64
    body = header + b"\0" * (data_start - 16 - new_length) + raw[old_start:]
    with open(path, "wb") as f:
        f.write(b"GSTM" + struct.pack("<III", 1, new_length, zlib.crc32(body) & 0xFFFFFFFF) + body)
    # 9 KB asking for a 200-channel map of 256 x 4096: 840 MB for each of Network's two
    # activation buffers.
    big_frontend = dict(DEFAULT_FRONTEND, n_mels=256, frames_per_window=4096)
    layers = [{"op": "conv3x3", "name": "wide", "in_channels": 1, "out_channels": 200, "relu": True},
              {"op": "global_avgpool"},
              {"op": "dense", "name": "fc", "in_features": 200, "out_features": 2, "relu": False},
              {"op": "softmax"}]
    write_gsm(os.path.join(MODEL, "regress-huge-feature-map.gsm"), layers, random_tensors(layers, rng),
              labels=["a", "b"], frontend=big_frontend, name="huge-feature-map", metadata={})


if __name__ == "__main__":
    stream_seeds()
    model_seeds()
    model_regressions()
