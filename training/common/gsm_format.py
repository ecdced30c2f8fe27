"""Reads and writes the genre-stream model file (.gsm); see Weights/FORMAT.md.

This is the only Python code that knows the byte layout: the exporter, the
converters, the fixture scripts and the tests all go through `write_gsm` /
`read_gsm`. Files are written as version 2 (a graph of named nodes); version 1
files (a chain of `layers` and a `labels` list) are still read, as the version-2
graph they describe, exactly as the engine's loader reads them. Callers that
build a version-1 layer list (the small CNN's exporter, the fixture models) may
keep doing so: `write_gsm` converts it with `layers_to_nodes`.

A 1x1 conv2d's weight may be stored as int8 (`dtype: "i8"`) with a float scale per
output channel, `NODE.weight_scale`: give `write_gsm` an np.int8 array and the
scales. `read_gsm` returns such a weight dequantized (`q * scale`, float32, the
scale dropped) unless asked for the stored form (`dequantize=False`).
"""
import json
import struct
import zlib

import numpy as np

MAGIC = b"GSTM"
VERSION = 2
# Several networks on one stream (Weights/FORMAT.md, version 3): `write_gsm_fused`.
FUSED_VERSION = 3
ALIGN = 64

GENRES = ["blues", "classical", "country", "disco", "hiphop",
          "jazz", "metal", "pop", "reggae", "rock"]

# The small CNN's frontend, in version 2's words.
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
    "compression": {"kind": "db", "floor": 1e-10, "top_db": 80.0},
    "frames_per_window": 39,
    "standardize": True,
    "standardize_eps": 1e-5,
}

# The engine's allocation limits (FORMAT.md, "What the loader checks").
MAX_NODE_FLOATS = 1 << 24
MAX_GRAPH_FLOATS = 1 << 26
MAX_NODES = 4096
MAX_SIZE_FIELD = 65536   # out_channels, out_features, each kernel and stride side
MAX_PAD = 4096

OPS = {"conv2d", "depthwise_conv2d", "relu", "affine", "reduce", "maxpool", "global_avgpool",
       "concat", "add", "dense", "softmax", "sigmoid", "clamp"}


WEIGHT_SCALE = ".weight_scale"


def int8_allowed(nodes):
    """The weight names that may be int8 (with NODE.weight_scale): 1x1 conv2d's."""
    return {n["name"] + ".weight" for n in nodes if n.get("op") == "conv2d" and list(n.get("kernel", [])) == [1, 1]}


def check_tensors(nodes, needed, tensors, where="tensors"):
    """Raises ValueError unless `tensors` holds exactly what the graph needs: the names
    and shapes of `needed` (from infer_shapes), each float, or int8 where a 1x1 conv2d's
    weight is, which then needs NODE.weight_scale of shape [out]."""
    want = dict(needed)
    allowed = int8_allowed(nodes)
    for k, v in tensors.items():
        if np.asarray(v).dtype == np.int8:
            if k not in allowed:
                raise ValueError(f"{where}: tensor {k!r} is int8; only a 1x1 conv2d's weight may be")
            want[k[:-len(".weight")] + WEIGHT_SCALE] = [want[k][0]]
    have = {k: list(np.shape(v)) for k, v in tensors.items()}
    if sorted(want) != sorted(have):
        raise ValueError(f"{where}: missing {sorted(set(want) - set(have))}, extra {sorted(set(have) - set(want))}")
    for k, shape in want.items():
        if have[k] != shape:
            raise ValueError(f"{where}: tensor {k!r}: shape {have[k]}, the graph needs {shape}")


def dequantized(tensors):
    """Tensors as floats: each int8 weight times its NODE.weight_scale (per output
    channel, the first axis), the scales dropped."""
    out = {}
    for k, v in tensors.items():
        if k.endswith(WEIGHT_SCALE):
            continue
        if v.dtype == np.int8:
            scale = tensors[k[:-len(".weight")] + WEIGHT_SCALE].astype(np.float32)
            v = v.astype(np.float32) * scale.reshape([-1] + [1] * (v.ndim - 1))
        out[k] = v
    return out


def _align(n):
    return (n + ALIGN - 1) // ALIGN * ALIGN


# ---------------------------------------------------------------- version 1 -> 2

def frontend_to_v2(frontend):
    """A frontend in either form -> the version-2 form. Version 1's flat `log_floor`,
    `top_db`, `standardize_eps` become `compression: {"kind": "db", ...}` and
    `standardize: true`; a version-2 frontend is returned as a copy."""
    fe = dict(frontend)
    if "compression" in fe:
        return fe
    out = {}
    for key, value in fe.items():
        if key == "log_floor":
            out["compression"] = {"kind": "db", "floor": fe["log_floor"], "top_db": fe["top_db"]}
        elif key == "top_db":
            continue
        elif key == "standardize_eps":
            out["standardize"] = True
            out["standardize_eps"] = value
        else:
            out[key] = value
    if "compression" not in out:
        raise ValueError("version-1 frontend without log_floor")
    return out


def layers_to_nodes(layers, labels):
    """A version-1 layer chain -> (nodes, outputs) of the version-2 graph it describes.

    conv3x3 is conv2d with kernel [3, 3], pad [1, 1, 1, 1] (its in_channels come from
    the shape of its input); convolutions and dense layers keep their v1 names (so the
    tensors keep theirs: conv1.weight ...); the others are named pool1, pool2, ...,
    avgpool, softmax. The last node is the output `genre` with the labels."""
    nodes, taken, prev, n_pool = [], {"input"}, "input", 0

    def fresh(name):
        base, k = name, 2
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name

    for layer in layers:
        op = layer["op"]
        if op == "conv3x3":
            node = {"name": layer["name"], "op": "conv2d", "inputs": [prev],
                    "out_channels": layer["out_channels"], "kernel": [3, 3], "pad": [1, 1, 1, 1],
                    "relu": bool(layer.get("relu", False))}
            taken.add(layer["name"])
        elif op == "dense":
            node = {"name": layer["name"], "op": "dense", "inputs": [prev],
                    "out_features": layer["out_features"], "relu": bool(layer.get("relu", False))}
            taken.add(layer["name"])
        elif op == "maxpool":
            n_pool += 1
            node = {"name": fresh(f"pool{n_pool}"), "op": "maxpool", "inputs": [prev],
                    "kernel": list(layer["kernel"])}
            if "stride" in layer:
                node["stride"] = list(layer["stride"])
        elif op == "global_avgpool":
            node = {"name": fresh("avgpool"), "op": "global_avgpool", "inputs": [prev]}
        elif op == "softmax":
            node = {"name": fresh("softmax"), "op": "softmax", "inputs": [prev]}
        else:
            raise ValueError(f"version-1 layer op {op!r} unknown")
        nodes.append(node)
        prev = node["name"]
    if not nodes:
        raise ValueError("version-1 layer list is empty")
    return nodes, [{"name": "genre", "node": prev, "labels": list(labels)}]


def header_v1_to_v2(header):
    """A version-1 header (layers + labels) -> the version-2 header, tensors unchanged."""
    nodes, outputs = layers_to_nodes(header["layers"], header["labels"])
    return {
        "name": header["name"],
        "frontend": frontend_to_v2(header["frontend"]),
        "nodes": nodes,
        "outputs": outputs,
        "tensors": header["tensors"],
        "metadata": header.get("metadata", {}),
    }


# ---------------------------------------------------------------- shapes

def _ints(value, n, what, node, low=1, high=MAX_SIZE_FIELD):
    if not (isinstance(value, list) and len(value) == n
            and all(isinstance(v, int) and not isinstance(v, bool) and low <= v <= high for v in value)):
        raise ValueError(f"node {node!r}: {what} must be a list of {n} integers in {low}..{high}, "
                         f"found {value!r}")
    return value


def _size(node, field):
    value = node.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SIZE_FIELD:
        raise ValueError(f"node {node.get('name')!r}: {field} must be an integer in 1..{MAX_SIZE_FIELD}, "
                         f"found {value!r}")
    return value


def _number(node, field):
    value = node.get(field)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
        raise ValueError(f"node {node.get('name')!r}: {field} must be a finite number, found {value!r}")
    return float(value)


def _relu_max(node):
    """`relu_max` (conv2d, depthwise_conv2d, dense): a positive number, only with `relu: true`."""
    if "relu_max" not in node:
        return
    if node.get("relu") is not True:
        raise ValueError(f"node {node.get('name')!r}: relu_max given without relu: true")
    if _number(node, "relu_max") <= 0:
        raise ValueError(f"node {node.get('name')!r}: relu_max must be positive, found {node['relu_max']!r}")


def infer_shapes(nodes, input_shape, limits=True):
    """Shapes through the graph, as the engine's loader infers them.

    Returns (shapes {node: [C, H, W]} including "input", needed [(tensor name, shape)]
    in node order). Raises ValueError naming the node for an unknown op, a repeated or
    reserved name, a dangling input, the wrong number of inputs, a field out of range,
    disagreeing shapes or a kernel larger than its padded map; with `limits`, also for
    more than 4096 nodes, a node output or a convolution's padded input over 2^24
    floats, or the graph's activations (input included) over 2^26."""
    shapes = {"input": list(input_shape)}
    needed, total = [], int(np.prod(input_shape))
    if limits and len(nodes) > MAX_NODES:
        raise ValueError(f"nodes: {len(nodes)}, at most {MAX_NODES} allowed")
    for node in nodes:
        name, op = node.get("name"), node.get("op")
        if not isinstance(name, str) or not name or name == "input":
            raise ValueError(f"node name {name!r}: must be a non-empty string other than 'input'")
        if name in shapes:
            raise ValueError(f"node {name!r}: name used twice")
        if op not in OPS:
            raise ValueError(f"node {name!r}: unknown op {op!r}")
        inputs = node.get("inputs")
        if not isinstance(inputs, list) or not inputs:
            raise ValueError(f"node {name!r}: inputs must be a non-empty list")
        for i in inputs:
            if i not in shapes:
                raise ValueError(f"node {name!r}: dangling input {i!r} (unknown or not earlier)")
        want = {"concat": None, "add": 2}.get(op, 1)
        if (want is None and len(inputs) < 2) or (want is not None and len(inputs) != want):
            raise ValueError(f"node {name!r}: {op} takes {'two or more' if want is None else want} "
                             f"inputs, found {len(inputs)}")
        c, h, w = shapes[inputs[0]]
        work = 0
        if op in ("conv2d", "depthwise_conv2d"):
            out = _size(node, "out_channels") if op == "conv2d" else c
            kh, kw = _ints(node.get("kernel"), 2, "kernel", name)
            if op == "depthwise_conv2d" and [kh, kw] != [3, 3]:
                raise ValueError(f"node {name!r}: depthwise_conv2d kernel must be [3, 3], found {[kh, kw]}")
            sh, sw = _ints(node.get("stride", [1, 1]), 2, "stride", name)
            if op == "depthwise_conv2d" and (sh != sw or sh not in (1, 2)):
                raise ValueError(f"node {name!r}: depthwise_conv2d stride must be [1, 1] or [2, 2], "
                                 f"found {[sh, sw]}")
            top, bottom, left, right = _ints(node.get("pad", [0, 0, 0, 0]), 4, "pad", name, 0, MAX_PAD)
            _relu_max(node)
            ph, pw = h + top + bottom, w + left + right
            if kh > ph or kw > pw:
                raise ValueError(f"node {name!r}: kernel {[kh, kw]} larger than the padded map {[ph, pw]}")
            shape = [out, (ph - kh) // sh + 1, (pw - kw) // sw + 1]
            work = c * ph * pw
            needed += [(f"{name}.weight", [out, c if op == "conv2d" else 1, kh, kw]), (f"{name}.bias", [out])]
        elif op in ("relu", "sigmoid", "softmax"):
            shape = [c, h, w]
        elif op == "affine":
            shape = [c, h, w]
            needed += [(f"{name}.scale", [c]), (f"{name}.shift", [c])]
        elif op == "reduce":
            if node.get("kind") not in ("max", "mean"):
                raise ValueError(f"node {name!r}: reduce kind must be 'max' or 'mean', found {node.get('kind')!r}")
            axis = node.get("axis")
            if axis not in ("h", "w"):
                raise ValueError(f"node {name!r}: reduce axis must be 'h' or 'w', found {axis!r}")
            shape = [c, 1, w] if axis == "h" else [c, h, 1]
        elif op == "maxpool":
            kh, kw = _ints(node.get("kernel"), 2, "kernel", name)
            sh, sw = _ints(node.get("stride", [kh, kw]), 2, "stride", name)
            if kh > h or kw > w:
                raise ValueError(f"node {name!r}: kernel {[kh, kw]} larger than the map {[h, w]}")
            shape = [c, (h - kh) // sh + 1, (w - kw) // sw + 1]
        elif op == "global_avgpool":
            shape = [c, 1, 1]
        elif op == "concat":
            if node.get("axis") != "c":
                raise ValueError(f"node {name!r}: concat axis must be 'c', found {node.get('axis')!r}")
            for i in inputs[1:]:
                if shapes[i][1:] != [h, w]:
                    raise ValueError(f"node {name!r}: input {i!r} is {shapes[i]}, "
                                     f"expected H, W {[h, w]} as {inputs[0]!r}")
            shape = [sum(shapes[i][0] for i in inputs), h, w]
        elif op == "add":
            if shapes[inputs[1]] != [c, h, w]:
                raise ValueError(f"node {name!r}: inputs {inputs[0]!r} {[c, h, w]} and "
                                 f"{inputs[1]!r} {shapes[inputs[1]]} differ")
            shape = [c, h, w]
        elif op == "clamp":
            low, high = _number(node, "min"), _number(node, "max")
            if low > high:
                raise ValueError(f"node {name!r}: clamp min {low} above max {high}")
            shape = [c, h, w]
        elif op == "dense":
            out = _size(node, "out_features")
            _relu_max(node)
            shape = [out, 1, 1]
            needed += [(f"{name}.weight", [out, c * h * w]), (f"{name}.bias", [out])]
        size = int(np.prod(shape))
        total += size
        if limits:
            if size > MAX_NODE_FLOATS or work > MAX_NODE_FLOATS:
                raise ValueError(f"node {name!r}: output {shape} ({size} floats) or padded input "
                                 f"({work} floats) over {MAX_NODE_FLOATS}")
            if total > MAX_GRAPH_FLOATS:
                raise ValueError(f"node {name!r}: the graph's activations pass {MAX_GRAPH_FLOATS} floats")
        shapes[name] = shape
    return shapes, needed


def tensors_for_nodes(nodes, input_shape):
    """The (name, shape) list the graph requires, in node order; mirrors the engine's check.
    `input_shape` is [1, n_mels, frames_per_window]."""
    return infer_shapes(nodes, input_shape)[1]


def tensors_for_layers(layers):
    """The (name, shape) list a version-1 layer list requires, in order."""
    needed = []
    for layer in layers:
        if layer["op"] == "conv3x3":
            needed.append((layer["name"] + ".weight", [layer["out_channels"], layer["in_channels"], 3, 3]))
            needed.append((layer["name"] + ".bias", [layer["out_channels"]]))
        elif layer["op"] == "dense":
            needed.append((layer["name"] + ".weight", [layer["out_features"], layer["in_features"]]))
            needed.append((layer["name"] + ".bias", [layer["out_features"]]))
    return needed


def input_shape(frontend):
    return [1, frontend["n_mels"], frontend["frames_per_window"]]


def check_outputs(outputs, shapes):
    names = set()
    if not outputs:
        raise ValueError("outputs: the list is empty")
    for o in outputs:
        if o["name"] in names:
            raise ValueError(f"output {o['name']!r}: name used twice")
        names.add(o["name"])
        if o["node"] not in shapes or o["node"] == "input":
            raise ValueError(f"output {o['name']!r}: node {o['node']!r} does not exist")
        if "labels" in o:
            size = int(np.prod(shapes[o["node"]]))
            if len(o["labels"]) != size or len(set(o["labels"])) != size:
                raise ValueError(f"output {o['name']!r}: {len(o['labels'])} labels "
                                 f"(distinct: {len(set(o['labels']))}) for node {o['node']!r} of {size} values")


def output(header, name="genre"):
    """The output entry called `name` of a version-2 header."""
    for o in header["outputs"]:
        if o["name"] == name:
            return o
    raise KeyError(f"model {header.get('name')!r} has no output {name!r}")


def genre_labels(header):
    return output(header, "genre")["labels"]


# ---------------------------------------------------------------- bytes


def pack_gsm(fields, tensors, metadata=None, version=VERSION):
    """The bytes of a model file: the header `fields` (in order), then `tensors` (name ->
    array: an np.int8 array as i8, anything else as float32; 64-byte aligned, in order)
    and `metadata`; no checks. write_gsm and the fuzz seeds (which also write version-1
    and deliberately invalid files) use it."""
    entries, blobs, offset = [], [], 0
    names = list(tensors)
    for tname, array in tensors.items():
        int8 = np.asarray(array).dtype == np.int8
        data = np.ascontiguousarray(array, dtype=np.int8 if int8 else "<f4")
        entries.append({"name": tname, "shape": list(data.shape), "dtype": "i8" if int8 else "f32", "offset": offset})
        blob = data.tobytes()
        pad = _align(len(blob)) - len(blob)
        blobs.append(blob)
        offset += len(blob)
        if pad and tname != names[-1]:
            blobs.append(b"\0" * pad)
            offset += pad
    header = dict(fields)
    header["tensors"] = entries
    header["metadata"] = {k: str(v) for k, v in (metadata or {}).items()}
    return frame_gsm(version, json.dumps(header, indent=1).encode("utf-8"), b"".join(blobs))


def frame_gsm(version, header_bytes, data):
    """The file around a JSON header's bytes and the tensor data: magic, version, header
    length, the CRC-32 of everything after the 16-byte preamble, the header, zeros up to
    the data's alignment, the data. pack_gsm and the fuzz seeds that edit a header in
    place (Fuzz/make_seeds.py `repack`) use it; nothing else writes the preamble."""
    data_start = _align(16 + len(header_bytes))
    body = header_bytes + b"\0" * (data_start - 16 - len(header_bytes)) + data
    crc = zlib.crc32(body) & 0xFFFFFFFF
    return MAGIC + struct.pack("<III", version, len(header_bytes), crc) + body


def write_gsm(path, graph, tensors, labels=GENRES, frontend=None, name="gtzan-cnn", metadata=None,
              outputs=None):
    """Writes a version-2 model file.

    `graph` is either a version-2 node list (then `outputs` is required and `labels`
    unused) or a version-1 layer list (converted with `layers_to_nodes`; its output is
    `genre` with `labels`). `frontend` may be in either form (default: the small CNN's).
    `tensors` maps name -> float32 array, written in that order; the names and shapes
    must be exactly those the graph needs (a 1x1 conv2d's weight may be an np.int8
    array, with NODE.weight_scale [out] beside it). Size limits are not checked here (the fuzz
    corpus writes files the loader must reject); `tensors_for_nodes` checks them."""
    frontend = frontend_to_v2(DEFAULT_FRONTEND if frontend is None else frontend)
    if all("inputs" in n for n in graph) and graph:
        if outputs is None:
            raise ValueError("a version-2 node list needs `outputs`")
        nodes = graph
    else:
        if outputs is not None:
            raise ValueError("`outputs` given with a version-1 layer list")
        nodes, outputs = layers_to_nodes(graph, labels)
    shapes, needed = infer_shapes(nodes, input_shape(frontend), limits=False)
    check_outputs(outputs, shapes)
    check_tensors(nodes, needed, tensors)

    with open(path, "wb") as f:
        f.write(pack_gsm({"name": name, "frontend": frontend, "nodes": nodes, "outputs": outputs}, tensors, metadata))


def read_gsm(path, upgrade=True, dequantize=True):
    """Returns (header dict, {name: float32 array}); checks magic, version, CRC, bounds.

    With `upgrade` (the default) a version-1 header is returned as the version-2
    header it describes (`header_v1_to_v2`), so callers see one form; otherwise the
    header as stored. With `dequantize` (the default) an int8 weight is returned as
    floats (`dequantized`), so callers that run the graph see one form; otherwise as
    stored, np.int8 with its NODE.weight_scale (to write it again as it was; the
    header's tensor list is as stored either way). `read_gsm_version(path)` tells
    which version the file is."""
    raw = open(path, "rb").read()
    if raw[:4] != MAGIC:
        raise ValueError(f"{path}: not a genre-stream model (magic {raw[:4]!r})")
    version, header_len, crc = struct.unpack("<III", raw[4:16])
    if version not in (1, 2, FUSED_VERSION):
        raise ValueError(f"{path}: format version {version}, this reader knows 1, {VERSION} and {FUSED_VERSION}"
                         + (" (upgrade genre-stream)" if version > FUSED_VERSION else ""))
    if 16 + header_len > len(raw):
        raise ValueError(f"{path}: header length {header_len} past the end of the file")
    if zlib.crc32(raw[16:]) & 0xFFFFFFFF != crc:
        raise ValueError(f"{path}: checksum mismatch")
    header = json.loads(raw[16:16 + header_len].decode("utf-8"))
    data_start = _align(16 + header_len)
    tensors, end = {}, data_start
    for t in header["tensors"]:
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        if t["dtype"] not in ("f32", "i8"):
            raise ValueError(f"{path}: tensor {t['name']!r} has dtype {t['dtype']!r}, expected f32 or i8")
        dtype = np.int8 if t["dtype"] == "i8" else np.dtype("<f4")
        size = count * np.dtype(dtype).itemsize
        start = data_start + t["offset"]
        if t["offset"] % ALIGN or start + size > len(raw):
            raise ValueError(f"{path}: tensor {t['name']!r} misaligned or past the end of the file")
        tensors[t["name"]] = np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(t["shape"])
        end = max(end, start + size)
    if end != len(raw):
        raise ValueError(f"{path}: {len(raw) - end} trailing bytes after the last tensor")
    if dequantize:
        tensors = dequantized(tensors)
    if version == 1 and upgrade:
        header = header_v1_to_v2(header)
    return header, tensors


def read_gsm_version(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:4] != MAGIC:
        raise ValueError(f"{path}: not a genre-stream model (magic {head[:4]!r})")
    return struct.unpack("<I", head[4:8])[0]


# ---------------------------------------------------------------- version 3: fused models


def write_gsm_fused(path, name, members, fusion, metadata=None):
    """Writes a version-3 model file: several networks on one stream and how their
    outputs combine (Weights/FORMAT.md, version 3).

    `members` is a list of (member name, version-2 header, tensors), the primary first
    (its windows are the stream's); each member's tensors are stored as MEMBER/NAME.
    `fusion` is the `fusion` object as FORMAT.md gives it. Each member's graph and
    tensors are checked as `write_gsm` checks a version-2 file."""
    fields = {"name": name, "members": []}
    if fusion is not None:
        fields["fusion"] = fusion
    tensors = {}
    for member, header, member_tensors in members:
        frontend = frontend_to_v2(header["frontend"])
        shapes, needed = infer_shapes(header["nodes"], input_shape(frontend), limits=False)
        check_outputs(header["outputs"], shapes)
        check_tensors(header["nodes"], needed, member_tensors, where=f"member {member!r}")
        fields["members"].append({"name": member, "frontend": frontend, "nodes": header["nodes"],
                                  "outputs": header["outputs"]})
        for k, _ in needed:
            tensors[f"{member}/{k}"] = member_tensors[k]
            scale = k[:-len(".weight")] + WEIGHT_SCALE
            if k.endswith(".weight") and scale in member_tensors:
                tensors[f"{member}/{scale}"] = member_tensors[scale]
    with open(path, "wb") as f:
        f.write(pack_gsm(fields, tensors, metadata, version=FUSED_VERSION))


def fused_member(header, tensors, member):
    """One member of a version-3 file as a version-2 (header, tensors) pair, as read_gsm
    returns them: so gsm_network.py runs a member like any other model."""
    for m in header["members"]:
        if m["name"] == member:
            prefix = member + "/"
            part = {"name": member, "frontend": m["frontend"], "nodes": m["nodes"], "outputs": m["outputs"]}
            return part, {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    raise ValueError(f"no member {member!r} (members: {[m['name'] for m in header['members']]})")
