"""Runs a .gsm model's graph in PyTorch exactly as its nodes say (Weights/FORMAT.md).

This is the plain inference network: folded weights, batch-norms as `affine`
nodes, every op of the format. The ONNX export and the parity fixtures are made
from it, so they describe the file the engine loads rather than a training-time
or TensorFlow module. Version-1 files run as the version-2 graph they describe.

As a script it checks a model file against a parity description (the JSON that
training/musicnn/convert_musicnn.py and scripts/make_musicnn_fixtures.py write: an inputs
file [K, n_mels, frames] fed to the network as they are, and expected values per
output name):
  python3 training/common/gsm_network.py MODEL.gsm --parity PARITY.json [--tolerance 1e-5]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import infer_shapes, input_shape, read_gsm  # noqa: E402


class GraphNetwork(nn.Module):
    """A version-2 graph. `forward(x)` takes windows [B, 1, n_mels, frames] (after the
    frontend's compression and standardisation) and returns the first output flattened,
    [B, size] (for the small CNN: the genre probabilities). `outputs(x)` returns every
    named output, `values(x, names)` any nodes' values [B, C, H, W]."""

    def __init__(self, header, tensors):
        super().__init__()
        self.nodes = header["nodes"]
        self.output_nodes = {o["name"]: o["node"] for o in header["outputs"]}
        self.first_output = header["outputs"][0]["name"]
        shapes, needed = infer_shapes(self.nodes, input_shape(header["frontend"]))
        self.shapes = shapes
        missing = [n for n, _ in needed if n not in tensors]
        extra = sorted(set(tensors) - {n for n, _ in needed})
        if missing or extra:
            raise ValueError(f"tensors: missing {missing}, extra {extra}")
        for tname, shape in needed:
            if list(tensors[tname].shape) != shape:
                raise ValueError(f"tensor {tname!r}: shape {list(tensors[tname].shape)}, the graph needs {shape}")
        self.params = nn.ParameterDict({
            tname.replace(".", "__"): nn.Parameter(torch.tensor(tensors[tname].copy()), requires_grad=False)
            for tname, _ in needed})

    def _t(self, node, kind):
        return self.params[f"{node}__{kind}"]

    @staticmethod
    def _relu(node, y):
        """The optional ReLU of conv2d, depthwise_conv2d and dense, capped at `relu_max` when given."""
        if not node.get("relu"):
            return y
        if "relu_max" in node:
            return torch.clamp(y, 0.0, float(node["relu_max"]))
        return torch.relu(y)

    def values(self, x, names=None):
        """{node: value} for `names` (default: every node), computed in one pass."""
        v = {"input": x}
        for node in self.nodes:
            name, op = node["name"], node["op"]
            a = v[node["inputs"][0]]
            if op in ("conv2d", "depthwise_conv2d"):
                top, bottom, left, right = node.get("pad", [0, 0, 0, 0])
                w, b = self._t(name, "weight"), self._t(name, "bias")
                stride = tuple(node.get("stride", [1, 1]))
                groups = a.shape[1] if op == "depthwise_conv2d" else 1
                if top == bottom and left == right:
                    y = F.conv2d(a, w, b, stride=stride, padding=(top, left), groups=groups)
                else:
                    y = F.conv2d(F.pad(a, (left, right, top, bottom)), w, b, stride=stride, groups=groups)
                y = self._relu(node, y)
            elif op == "relu":
                y = torch.relu(a)
            elif op == "affine":
                y = a * self._t(name, "scale")[None, :, None, None] + self._t(name, "shift")[None, :, None, None]
            elif op == "reduce":
                dim = 2 if node["axis"] == "h" else 3
                y = a.amax(dim=dim, keepdim=True) if node["kind"] == "max" else a.mean(dim=dim, keepdim=True)
            elif op == "maxpool":
                kernel = tuple(node["kernel"])
                y = F.max_pool2d(a, kernel, tuple(node.get("stride", kernel)))
            elif op == "global_avgpool":
                y = a.mean(dim=(2, 3), keepdim=True)
            elif op == "concat":
                y = torch.cat([v[i] for i in node["inputs"]], dim=1)
            elif op == "add":
                y = a + v[node["inputs"][1]]
            elif op == "dense":
                y = F.linear(a.flatten(1), self._t(name, "weight"), self._t(name, "bias"))
                y = self._relu(node, y)[:, :, None, None]
            elif op == "softmax":
                y = torch.softmax(a.flatten(1), dim=1).view(a.shape)
            elif op == "sigmoid":
                y = torch.sigmoid(a)
            elif op == "clamp":
                y = torch.clamp(a, float(node["min"]), float(node["max"]))
            else:
                raise ValueError(f"node {name!r}: unknown op {op!r}")
            v[name] = y
        return v if names is None else {n: v[n] for n in names}

    def outputs(self, x):
        """{output name: [B, size]} for every output of the file."""
        v = self.values(x, list(set(self.output_nodes.values())))
        return {o: v[n].flatten(1) for o, n in self.output_nodes.items()}

    def forward(self, x):
        return self.values(x, [self.output_nodes[self.first_output]])[
            self.output_nodes[self.first_output]].flatten(1)


def build_network(header, tensors):
    """(header, tensors) from read_gsm -> GraphNetwork in eval mode."""
    return GraphNetwork(header, tensors).eval()


def load_network(path):
    """Reads a .gsm (version 1 or 2); returns (version-2 header, network)."""
    header, tensors = read_gsm(path)
    return header, build_network(header, tensors)


def check_parity(model, parity, tolerance):
    """Runs `model` on the parity inputs; returns {output: max |difference|}."""
    _, network = load_network(model)
    with open(parity) as f:
        desc = json.load(f)
    where = os.path.dirname(os.path.abspath(parity))
    inputs = np.fromfile(os.path.join(where, desc["inputs"]["file"]), dtype="<f4")
    inputs = inputs.reshape(desc["inputs"]["shape"])
    with torch.no_grad():
        got = network.outputs(torch.from_numpy(inputs)[:, None])
    diffs = {}
    for name, d in desc["outputs"].items():
        want = np.fromfile(os.path.join(where, d["file"]), dtype="<f4").reshape(d["shape"])
        diffs[name] = float(np.abs(got[name].numpy() - want).max())
        scale = float(np.abs(want).max())
        print(f"{name} {list(want.shape)}: max |file - expected| {diffs[name]:.3g} (max |expected| {scale:.3g})")
    return diffs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--parity", required=True, help="parity JSON: inputs and expected outputs")
    p.add_argument("--tolerance", type=float, default=1e-5)
    args = p.parse_args()
    diffs = check_parity(args.model, args.parity, args.tolerance)
    worst = max(diffs.values())
    if worst > args.tolerance:
        sys.exit(f"{args.model}: differs from {args.parity} by {worst:.3g} > {args.tolerance:g}")
    print(f"{args.model}: within {args.tolerance:g} of {os.path.basename(args.parity)}")


if __name__ == "__main__":
    main()
