"""Exports a training checkpoint to the engine's model file and to ONNX.

Batch-norm is folded into the preceding conv (the engine has no BN op), the
layer list is written in FORMAT.md's words, and the written file is read back
and checked against the checkpoint's own network before anything is reported.
Usage: python3 training/cnn/export_model.py CHECKPOINT.pt [--gsm OUT.gsm] [--onnx OUT.onnx]
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np
import torch
from torch import nn

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.cnn.model import GenreCNN, count_mflop, count_params  # noqa: E402
from training.common.gsm_format import DEFAULT_FRONTEND, tensors_for_layers, write_gsm  # noqa: E402
from training.common.gsm_network import load_network  # noqa: E402
from training.common.paths import REPO  # noqa: E402


def fold_bn(conv, bn):
    """conv (no bias) followed by eval-mode BN -> (weight, bias) of one conv."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    weight = conv.weight * scale[:, None, None, None]
    bias = bn.bias - bn.running_mean * scale
    if conv.bias is not None:
        bias = bias + conv.bias * scale
    return weight.detach().numpy(), bias.detach().numpy()


def engine_layers(model):
    """GenreCNN -> (FORMAT.md layer list, {tensor name: float32 array})."""
    layers, tensors = [], {}
    feats = list(model.features)
    n_conv = n_fc = 0
    i = 0
    while i < len(feats):
        m = feats[i]
        if isinstance(m, nn.Conv2d):
            n_conv += 1
            name = f"conv{n_conv}"
            w, b = fold_bn(m, feats[i + 1])
            relu = i + 2 < len(feats) and isinstance(feats[i + 2], nn.ReLU)
            layers.append({"op": "conv3x3", "name": name, "in_channels": m.in_channels,
                           "out_channels": m.out_channels, "relu": relu})
            tensors[name + ".weight"], tensors[name + ".bias"] = w, b
            i += 3 if relu else 2
        elif isinstance(m, nn.MaxPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size, m.kernel_size)
            layers.append({"op": "maxpool", "kernel": list(k)})
            i += 1
        else:
            raise ValueError(f"cannot export feature module {m}")
    layers.append({"op": "global_avgpool"})
    head = [m for m in model.head if not isinstance(m, nn.Dropout)]
    for j, m in enumerate(head):
        if isinstance(m, nn.Linear):
            n_fc += 1
            name = f"fc{n_fc}"
            relu = j + 1 < len(head) and isinstance(head[j + 1], nn.ReLU)
            layers.append({"op": "dense", "name": name, "in_features": m.in_features,
                           "out_features": m.out_features, "relu": relu})
            tensors[name + ".weight"] = m.weight.detach().numpy()
            tensors[name + ".bias"] = m.bias.detach().numpy()
    layers.append({"op": "softmax"})
    assert [n for n, _ in tensors_for_layers(layers)] == list(tensors)
    return layers, tensors


def git_commit():
    try:
        return subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def export_onnx(network, path):
    """The folded network on one standardised window [1, 1, 128, 39] -> probabilities [1, 10]."""
    x = torch.zeros(1, 1, DEFAULT_FRONTEND["n_mels"], DEFAULT_FRONTEND["frames_per_window"])
    torch.onnx.export(network, (x,), path, input_names=["window"], output_names=["probs"],
                      opset_version=18, dynamo=True, external_data=False, verbose=False)


def export(checkpoint, gsm_path, onnx_path=None, extra_metadata=None):
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    meta = ck["meta"]
    model = GenreCNN(meta["arch"], meta["classes"])
    model.load_state_dict(ck["ema"])
    model.eval()
    layers, tensors = engine_layers(model)
    valid = meta.get("valid", {})
    metadata = {
        "arch": meta["arch"],
        "params": count_params(model),
        "mflop_per_window": f"{count_mflop(meta['arch'], meta['classes']):.1f}",
        "trained_on": "GTZAN mel set, Kereliuk/Sturm/Larsen 2015 fault-filtered train split",
        "checkpoint_step": meta["step"],
        "valid_window_acc": f"{valid.get('window_acc', float('nan')):.4f}",
        "valid_track_acc": f"{valid.get('track_acc', float('nan')):.4f}",
        "training_command": meta.get("command", "see training_args"),
        "training_args": json.dumps(meta.get("args", {}), sort_keys=True),
        "git_commit": git_commit(),
        "exported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **(extra_metadata or {}),
    }
    os.makedirs(os.path.dirname(os.path.abspath(gsm_path)), exist_ok=True)
    write_gsm(gsm_path, layers, tensors, labels=meta["genres"], name="genre-cnn", metadata=metadata)

    # Read the file back and compare with the unfolded training network on random windows.
    _, network = load_network(gsm_path)
    x = torch.randn(16, 1, DEFAULT_FRONTEND["n_mels"], DEFAULT_FRONTEND["frames_per_window"])
    with torch.no_grad():
        diff = (network(x) - torch.softmax(model(x), dim=1)).abs().max().item()
    if diff > 1e-4:
        raise RuntimeError(f"exported network differs from the checkpoint by {diff:g}")
    print(f"wrote {gsm_path} ({len(layers)} layers, max |dprob| vs checkpoint {diff:.2e})")
    if onnx_path:
        export_onnx(network, onnx_path)
        try:
            import onnxruntime
            sess = onnxruntime.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
            x1 = x[:1].numpy()
            onnx_diff = np.abs(sess.run(None, {"window": x1})[0] - network(x[:1]).detach().numpy()).max()
            print(f"wrote {onnx_path} (max |dprob| vs .gsm network {onnx_diff:.2e})")
        except ImportError:
            print(f"wrote {onnx_path} (onnxruntime not installed; not cross-checked)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="best.pt or last.pt from training/runs/<run>/")
    p.add_argument("--gsm", default=os.path.join(REPO, "Weights", "genre-cnn.gsm"))
    p.add_argument("--onnx", default=os.path.join(REPO, "Weights", "genre-cnn.onnx"),
                   help="ONNX output; empty string to skip")
    args = p.parse_args()
    export(args.checkpoint, args.gsm, args.onnx or None)


if __name__ == "__main__":
    main()
