"""Runs a .gsm model in PyTorch exactly as its layer list says (Weights/FORMAT.md).

This is the plain inference network: folded conv weights, no batch-norm, softmax
last. The ONNX export and the parity fixtures are made from it, so they describe
the file the engine loads rather than the training-time module.
"""
import torch
from torch import nn

from gsm_format import read_gsm, tensors_for_layers


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


def build_network(header, tensors):
    """(header, tensors) from read_gsm -> nn.Sequential taking standardised [B, 1, mels, frames]
    and returning probabilities [B, labels]."""
    needed = tensors_for_layers(header["layers"])
    if [n for n, _ in needed] != list(tensors) and sorted(n for n, _ in needed) != sorted(tensors):
        raise ValueError(f"tensors {sorted(tensors)} do not match the layers' {[n for n, _ in needed]}")
    ops = []
    for layer in header["layers"]:
        op = layer["op"]
        if op == "conv3x3":
            conv = nn.Conv2d(layer["in_channels"], layer["out_channels"], 3, padding=1)
            conv.weight.data = torch.tensor(tensors[layer["name"] + ".weight"].copy())
            conv.bias.data = torch.tensor(tensors[layer["name"] + ".bias"].copy())
            ops.append(conv)
        elif op == "dense":
            fc = nn.Linear(layer["in_features"], layer["out_features"])
            fc.weight.data = torch.tensor(tensors[layer["name"] + ".weight"].copy())
            fc.bias.data = torch.tensor(tensors[layer["name"] + ".bias"].copy())
            ops.append(fc)
        elif op == "maxpool":
            ops.append(nn.MaxPool2d(tuple(layer["kernel"])))
        elif op == "global_avgpool":
            ops.append(GlobalAvgPool())
        elif op == "softmax":
            ops.append(nn.Softmax(dim=1))
        else:
            raise ValueError(f"unknown layer op {op!r}")
        if layer.get("relu"):
            ops.append(nn.ReLU())
    return nn.Sequential(*ops).eval()


def load_network(path):
    """Reads a .gsm; returns (header, network)."""
    header, tensors = read_gsm(path)
    return header, build_network(header, tensors)
