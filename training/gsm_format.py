"""Reads and writes the genre-stream model file (.gsm); see Weights/FORMAT.md.

This is the only Python code that knows the byte layout: the exporter, the
fixture scripts and the tests all go through `write_gsm` / `read_gsm`.
"""
import json
import struct
import zlib

import numpy as np

MAGIC = b"GSTM"
VERSION = 1
ALIGN = 64

GENRES = ["blues", "classical", "country", "disco", "hiphop",
          "jazz", "metal", "pop", "reggae", "rock"]

DEFAULT_FRONTEND = {
    "sample_rate": 22050,
    "n_fft": 2048,
    "hop_length": 1696,
    "window": "hann",
    "n_mels": 128,
    "fmin": 0.0,
    "fmax": 11025.0,
    "mel_scale": "slaney",
    "mel_norm": "slaney",
    "power": 2.0,
    "log_floor": 1e-10,
    "top_db": 80.0,
    "frames_per_window": 39,
    "standardize_eps": 1e-5,
}


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


def write_gsm(path, layers, tensors, labels=GENRES, frontend=None, name="gtzan-cnn", metadata=None):
    """Writes a model file. `tensors` maps name -> float32 array, in layer order."""
    frontend = dict(DEFAULT_FRONTEND if frontend is None else frontend)
    entries, blobs, offset = [], [], 0
    for tname, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4")
        entries.append({"name": tname, "shape": list(data.shape), "dtype": "f32", "offset": offset})
        blob = data.tobytes()
        pad = _align(len(blob)) - len(blob)
        blobs.append(blob)
        offset += len(blob)
        if pad and tname != list(tensors)[-1]:
            blobs.append(b"\0" * pad)
            offset += pad
    header = {
        "name": name,
        "labels": list(labels),
        "frontend": frontend,
        "layers": layers,
        "tensors": entries,
        "metadata": {k: str(v) for k, v in (metadata or {}).items()},
    }
    header_bytes = json.dumps(header, indent=1).encode("utf-8")
    data_start = _align(16 + len(header_bytes))
    body = header_bytes + b"\0" * (data_start - 16 - len(header_bytes)) + b"".join(blobs)
    crc = zlib.crc32(body) & 0xFFFFFFFF
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<III", VERSION, len(header_bytes), crc) + body)


def read_gsm(path):
    """Returns (header dict, {name: float32 array}); checks magic, version and CRC."""
    raw = open(path, "rb").read()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path}: not a genre-stream model (magic {raw[:4]!r})")
    version, header_len, crc = struct.unpack("<III", raw[4:16])
    if version > VERSION:
        raise ValueError(f"{path}: format version {version}, this reader knows {VERSION}")
    if zlib.crc32(raw[16:]) & 0xFFFFFFFF != crc:
        raise ValueError(f"{path}: checksum mismatch")
    header = json.loads(raw[16:16 + header_len].decode("utf-8"))
    data_start = _align(16 + header_len)
    tensors = {}
    for t in header["tensors"]:
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        start = data_start + t["offset"]
        tensors[t["name"]] = np.frombuffer(raw, dtype="<f4", count=count, offset=start).reshape(t["shape"])
    return header, tensors


def tensors_for_layers(layers):
    """The (name, shape) list the layer list requires, in order; mirrors the engine's check."""
    needed = []
    for layer in layers:
        if layer["op"] == "conv3x3":
            needed.append((layer["name"] + ".weight", [layer["out_channels"], layer["in_channels"], 3, 3]))
            needed.append((layer["name"] + ".bias", [layer["out_channels"]]))
        elif layer["op"] == "dense":
            needed.append((layer["name"] + ".weight", [layer["out_features"], layer["in_features"]]))
            needed.append((layer["name"] + ".bias", [layer["out_features"]]))
    return needed
