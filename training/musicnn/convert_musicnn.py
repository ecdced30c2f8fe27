"""Converts musicnn's MSD_musicnn TensorFlow checkpoint into the engine's model file.

The graph is built with musicnn's own `models.py` in tf.compat.v1 graph mode (as
`musicnn.extractor` does), the package's checkpoint is restored into it, and every
variable is read from the session. Then, in FORMAT.md's words:

- each batch-norm becomes an `affine` node (scale = gamma / sqrt(var + eps),
  shift = beta - mean * scale; eps read from the graph, 1e-3);
- the input [time 187, freq 96] becomes the engine's [1, 96, 187] (H = mel band,
  W = time), so a TF kernel [k_time, k_freq, in, out] becomes [out, in, k_freq,
  k_time]: timbral 7x38 -> kernel [38, 7] with time padded 3/3, temporal 128x1 ->
  [1, 128] with TF "same" padding along time (63 before, 64 after);
- the mid-end convs, whose TF kernel [7, 561 (or 64), 1, 64] spans every feature,
  are convolutions on [561, 1, 187] (features as channels), kernel [1, 7], pad 3/3;
- the back-end's [max, mean] pairs, which TF flattens interleaved (max0, mean0,
  max1, ...), are read by the engine as `concat(max 753, mean 753)`: the rows of
  the following batch-norm and the columns of the dense weight are permuted to
  match, which is exact;
- dropout (inference: identity) is left out, and so is the extractor's float16 cast
  of the mel spectrogram (the engine's frontend is float32 throughout).

The written file is read back and run by training/common/gsm_network.py (PyTorch, with the
`--torch-python` interpreter, since TensorFlow's environment has no torch) on seeded
random patches, and its tags and embedding compared with TensorFlow's.

Needs training/musicnn/requirements-convert.txt (TensorFlow 2.15, musicnn installed --no-deps).
Usage: /work/venvs/tf/bin/python training/musicnn/convert_musicnn.py [--out Weights/msd-musicnn.gsm]
       [--torch-python python3] [--tolerance 1e-5]
"""
import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import infer_shapes, read_gsm, tensors_for_nodes, write_gsm  # noqa: E402
from training.common.paths import TRAINING, WEIGHTS  # noqa: E402

MODEL = "MSD_musicnn"
FRAMES, N_MELS = 187, 96
FRONTEND = {
    "sample_rate": 16000, "n_fft": 512, "hop_length": 256, "window": "hann", "center": True,
    "n_mels": 96, "fmin": 0.0, "fmax": 8000.0, "mel_scale": "slaney", "mel_norm": "slaney",
    "power": 2.0, "compression": {"kind": "log10_1p", "k": 10000.0},
    "frames_per_window": FRAMES, "standardize": False,
}
# The five front-end branches in the order models.frontend returns them (and
# build_musicnn concatenates them): (node prefix, TF conv layer, TF batch-norm layer,
# engine kernel [k_freq, k_time], engine pad [top, bottom, left, right]).
FRONT_BRANCHES = [
    ("timbral_74", "conv2d", "batch_normalization_1", [38, 7], [0, 0, 3, 3]),
    ("timbral_77", "conv2d_1", "batch_normalization_2", [67, 7], [0, 0, 3, 3]),
    ("temporal_128", "conv2d_2", "batch_normalization_3", [1, 128], [0, 0, 63, 64]),
    ("temporal_64", "conv2d_3", "batch_normalization_4", [1, 64], [0, 0, 31, 32]),
    ("temporal_32", "conv2d_4", "batch_normalization_5", [1, 32], [0, 0, 15, 16]),
]
MID = [("mid1", "conv2d_5", "batch_normalization_6"),
       ("mid2", "conv2d_6", "batch_normalization_7"),
       ("mid3", "conv2d_7", "batch_normalization_8")]
CHECK_SEED = 20251201


def musicnn_dir():
    import musicnn
    return os.path.dirname(os.path.abspath(musicnn.__file__))


def build_tf_graph(threads=None):
    """musicnn's MSD_musicnn graph with its checkpoint restored, as musicnn.extractor builds it.
    threads: TensorFlow's intra- and inter-op thread counts (None: its defaults).

    Returns (session, x placeholder [None, 187, 96], is_training placeholder,
    {name: tensor}) with tags (sigmoid), logits, embedding (`penultimate`, the
    batch-norm after the 200-unit dense) and the intermediate feature maps."""
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    from musicnn import configuration, models
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, FRAMES, configuration.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        logits, timbral, temporal, cnn1, cnn2, cnn3, mean_pool, max_pool, penultimate = \
            models.define_model(x, is_training, MODEL, len(configuration.MSD_LABELS))
        tags = tf.nn.sigmoid(logits)
    config = None
    if threads is not None:
        config = tf.compat.v1.ConfigProto(intra_op_parallelism_threads=threads,
                                          inter_op_parallelism_threads=threads)
    sess = tf.compat.v1.Session(config=config)
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, os.path.join(musicnn_dir(), MODEL) + "/")
    outputs = {"tags": tags, "tag_logits": logits, "embedding": penultimate, "timbral": timbral,
               "temporal": temporal, "cnn1": cnn1, "cnn2": cnn2, "cnn3": cnn3,
               "mean_pool": mean_pool, "max_pool": max_pool}
    return sess, x, is_training, outputs


def run_tf(graph, patches, names=("tags", "embedding", "tag_logits")):
    """patches [K, 187, 96] (musicnn's time-by-frequency layout) -> {name: [K, ...]}."""
    sess, x, is_training, outputs = graph
    got = sess.run([outputs[n] for n in names], feed_dict={x: patches, is_training: False})
    return dict(zip(names, got))


def batch_norm_epsilons(sess):
    """{TF batch-norm layer: eps} read from the graph. The 4-d batch-norms are fused ops
    inside the `cond` on is_training (a function per branch: read the epsilon attribute
    in both); the 2-d back-end ones add a constant to the variance."""
    graph = sess.graph
    eps = {}
    for op in graph.get_operations():
        parts = op.name.split("/")
        if len(parts) < 3 or not parts[1].startswith("batch_normalization"):
            continue
        if op.type in ("If", "StatelessIf") and parts[2] == "cond":
            for branch in ("then_branch", "else_branch"):
                fdef = graph._get_function(op.get_attr(branch).name).definition
                for nd in fdef.node_def:
                    if nd.op.startswith("FusedBatchNorm"):
                        eps.setdefault(parts[1], set()).add(round(float(nd.attr["epsilon"].f), 9))
        elif op.name.endswith("batchnorm/add/y"):
            eps.setdefault(parts[1], set()).add(round(float(sess.run(op.outputs[0])), 9))
    for layer, values in eps.items():
        if len(values) != 1:
            raise RuntimeError(f"{layer}: several epsilons {values}")
    return {layer: values.pop() for layer, values in eps.items()}


def read_variables(sess):
    import tensorflow as tf
    variables = tf.compat.v1.global_variables()
    values = sess.run(variables)
    return {v.name[:-2]: np.asarray(val) for v, val in zip(variables, values)}


def fold(var, eps, layer):
    """Inference batch-norm -> (scale, shift), computed in float64."""
    gamma = var[f"{layer}/gamma"].astype(np.float64)
    beta = var[f"{layer}/beta"].astype(np.float64)
    mean = var[f"{layer}/moving_mean"].astype(np.float64)
    variance = var[f"{layer}/moving_variance"].astype(np.float64)
    scale = gamma / np.sqrt(variance + eps[layer])
    return scale, beta - mean * scale


def engine_graph(var, eps):
    """TF variables -> (nodes, {tensor name: float32 array}) of the engine's graph."""
    nodes, tensors = [], {}

    def node(name, op, inputs, **fields):
        nodes.append({"name": name, "op": op, "inputs": list(inputs), **fields})
        return name

    def affine(name, inp, layer, perm=None):
        scale, shift = fold(var, eps, layer)
        if perm is not None:
            scale, shift = scale[perm], shift[perm]
        tensors[f"{name}.scale"], tensors[f"{name}.shift"] = scale, shift
        return node(name, "affine", [inp])

    def conv(name, inp, tf_layer, kernel, pad, weight):
        tensors[f"{name}.weight"], tensors[f"{name}.bias"] = weight, var[f"{tf_layer}/bias"]
        return node(name, "conv2d", [inp], out_channels=int(weight.shape[0]), kernel=kernel, pad=pad)

    x = affine("input_bn", "input", "batch_normalization")
    branches = []
    for prefix, tf_conv, tf_bn, kernel, pad in FRONT_BRANCHES:
        k = var[f"{tf_conv}/kernel"]                    # [k_time, k_freq, 1, out]
        weight = k.transpose(3, 2, 1, 0)                 # [out, 1, k_freq, k_time]
        assert list(weight.shape[2:]) == kernel, (prefix, weight.shape)
        y = conv(prefix, x, tf_conv, kernel, pad, weight)
        y = node(f"{prefix}_relu", "relu", [y])
        y = affine(f"{prefix}_bn", y, tf_bn)
        branches.append(node(f"{prefix}_max", "reduce", [y], kind="max", axis="h"))
    front = node("front", "concat", branches, axis="c")

    # Mid-end: TF's kernel [7, features, 1, 64] spans all features, which are the
    # engine's channels: weight [64, features, 1, 7].
    prev, mids = front, []
    for i, (prefix, tf_conv, tf_bn) in enumerate(MID):
        weight = var[f"{tf_conv}/kernel"].transpose(3, 1, 2, 0)
        y = conv(prefix, prev, tf_conv, [1, 7], [0, 0, 3, 3], weight)
        y = node(f"{prefix}_relu", "relu", [y])
        y = affine(f"{prefix}_bn", y, tf_bn)
        if i > 0:                                       # residual: bn(conv) + previous output
            y = node(f"{prefix}_sum", "add", [y, prev])
        mids.append(y)
        prev = y
    features = node("features", "concat", [front] + mids, axis="c")

    # Back-end. TF flattens [753, 2] = (max, mean) pairs: flat index 2 i is max i, 2 i + 1
    # mean i. The engine's concat puts max i at i and mean i at 753 + i.
    width = 753
    perm = np.concatenate([2 * np.arange(width), 2 * np.arange(width) + 1])
    pool_max = node("pool_max", "reduce", [features], kind="max", axis="w")
    pool_mean = node("pool_mean", "reduce", [features], kind="mean", axis="w")
    pool = node("pool", "concat", [pool_max, pool_mean], axis="c")
    pool = affine("pool_bn", pool, "batch_normalization_9", perm=perm)
    tensors["dense.weight"] = var["dense/kernel"].T[:, perm]
    tensors["dense.bias"] = var["dense/bias"]
    y = node("dense", "dense", [pool], out_features=int(var["dense/bias"].size))
    y = node("dense_relu", "relu", [y])
    y = affine("embedding", y, "batch_normalization_10")
    tensors["tag_logits.weight"] = var["dense_1/kernel"].T
    tensors["tag_logits.bias"] = var["dense_1/bias"]
    y = node("tag_logits", "dense", [y], out_features=int(var["dense_1/bias"].size))
    node("tags", "sigmoid", [y])
    return nodes, {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items()}


def mflop_per_window(nodes, tensors):
    """2 x multiply-adds of the convolutions and dense layers (as the small CNN's card counts)."""
    shapes, _ = infer_shapes(nodes, [1, N_MELS, FRAMES])
    macs = 0
    for n in nodes:
        if n["op"] == "conv2d":
            out = shapes[n["name"]]
            w = tensors[n["name"] + ".weight"]
            macs += out[0] * out[1] * out[2] * int(np.prod(w.shape[1:]))
        elif n["op"] == "dense":
            macs += tensors[n["name"] + ".weight"].size
    return 2 * macs / 1e6


def check_patches():
    """Seeded patches in musicnn's layout [K, 187, 96], values in the range of real
    log10(1 + 10000 mel) inputs."""
    rng = np.random.default_rng(CHECK_SEED)
    return rng.uniform(0.0, 4.0, size=(4, FRAMES, N_MELS)).astype(np.float32)


def write_parity(base, inputs_engine, expected, meta):
    """Writes BASE-inputs.f32 [K, 96, 187] and BASE-<name>.f32 per output, and BASE.json
    in the form `training/common/gsm_network.py --parity` reads."""
    inputs_engine.astype("<f4").tofile(base + "-inputs.f32")
    stem = os.path.basename(base)
    desc = {"inputs": {"file": stem + "-inputs.f32", "dtype": "float32 little-endian",
                       "shape": list(inputs_engine.shape),
                       "meaning": "network inputs [K, n_mels 96, frames 187] (mel band by time), "
                                  "log10(1 + 10000 mel) values, no standardisation"},
            "outputs": {}}
    for name, value in expected.items():
        value.astype("<f4").tofile(f"{base}-{name}.f32")
        desc["outputs"][name] = {"file": f"{stem}-{name}.f32", "dtype": "float32 little-endian",
                                 "shape": list(value.shape)}
    desc.update(meta)
    with open(base + ".json", "w") as f:
        json.dump(desc, f, indent=1)
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(WEIGHTS, "msd-musicnn.gsm"))
    p.add_argument("--torch-python", default="python3",
                   help="interpreter with torch for the read-back check (empty: skip it)")
    p.add_argument("--tolerance", type=float, default=1e-5)
    args = p.parse_args()

    import tensorflow as tf
    from musicnn import configuration
    graph = build_tf_graph()
    sess = graph[0]
    var = read_variables(sess)
    eps = batch_norm_epsilons(sess)
    bn_layers = sorted({k.split("/")[0] for k in var if k.startswith("batch_normalization")})
    if set(eps) != set(bn_layers) or set(eps.values()) != {1e-3}:
        raise RuntimeError(f"unexpected batch-norm epsilons {eps}")
    nodes, tensors = engine_graph(var, eps)
    used = {f"{layer}/{k}" for layer in bn_layers for k in ("gamma", "beta", "moving_mean", "moving_variance")}
    used |= {k for k in var if k.endswith("/kernel") or k.endswith("/bias")}
    if used != set(var):
        raise RuntimeError(f"TF variables not converted: {sorted(set(var) - used)}")

    needed = tensors_for_nodes(nodes, [1, N_MELS, FRAMES])
    tensors = {n: tensors[n] for n, _ in needed}
    params = sum(t.size for t in tensors.values())
    tf_params = sum(v.size for v in var.values())
    mflop = mflop_per_window(nodes, tensors)
    data = os.path.join(musicnn_dir(), MODEL, ".data-00000-of-00001")
    from importlib.metadata import version
    metadata = {
        "source": f"musicnn {version('musicnn')} wheel (PyPI, MTG-UPF), "
                  f"checkpoint {MODEL} (musicnn/{MODEL}/), sha256 of its .data file "
                  f"{hashlib.sha256(open(data, 'rb').read()).hexdigest()}",
        "licence": "ISC (the musicnn package, weights included)",
        "citation": 'Jordi Pons and Xavier Serra, "musicnn: pre-trained convolutional neural networks '
                    'for music audio tagging", ISMIR Late-Breaking/Demo 2019',
        "trained_on": "Million Song Dataset audio, Last.fm top-50 tags (musicnn's MSD_LABELS)",
        "params": params,
        "tf_variables": f"{tf_params} (batch-norm moving statistics included; folded into affine nodes)",
        "mflop_per_window": f"{mflop:.1f}",
        "conversion_command": ("python training/musicnn/convert_musicnn.py " + shlex.join(sys.argv[1:])).strip()
                              + "   (python: the requirements-convert.txt environment)",
        "conversion_environment": f"tensorflow {tf.__version__}, numpy {np.__version__} "
                                  "(training/musicnn/requirements-convert.txt)",
        "dropped": "the float16 cast of the mel spectrogram in musicnn's extractor (the engine's "
                   "frontend is float32; it changes the embedding by at most 3e-4); dropout "
                   "(identity at inference)",
        "batch_norm": "every batch-norm folded into an affine node, eps 1e-3 (read from the graph)",
        "backend_interleave": "TF flattens (max, mean) pairs interleaved; pool_bn's rows and dense's "
                              "columns are permuted so that `pool` = concat(max 753, mean 753)",
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    outputs = [{"name": "tags", "node": "tags", "labels": list(configuration.MSD_LABELS)},
               {"name": "embedding", "node": "embedding"},
               {"name": "tag_logits", "node": "tag_logits"}]
    write_gsm(args.out, nodes, tensors, frontend=FRONTEND, name="msd-musicnn", metadata=metadata,
              outputs=outputs)
    header, back = read_gsm(args.out)
    assert all(np.array_equal(back[k], tensors[k]) for k in tensors)
    print(f"wrote {args.out}: {len(nodes)} nodes, {len(tensors)} tensors, {params} parameters, "
          f"{mflop:.1f} MFLOP per window, {os.path.getsize(args.out)} bytes")

    if not args.torch_python:
        print("read-back check in PyTorch skipped (--torch-python empty)")
        return
    patches = check_patches()
    expected = run_tf(graph, patches)
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "check")
        write_parity(base, patches.transpose(0, 2, 1), expected, {"model": os.path.basename(args.out)})
        subprocess.run([args.torch_python, os.path.join(TRAINING, "common", "gsm_network.py"), args.out,
                        "--parity", base + ".json", "--tolerance", str(args.tolerance)], check=True)


if __name__ == "__main__":
    main()
