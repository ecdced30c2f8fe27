"""Writes a small random-weight model through the real exporter format.

The engine's tests load it with the real loader: it has every layer kind the
engine runs, and shapes small enough to check against a naive reference.
Usage: python3 training/cnn/make_fixture_model.py OUT.gsm [--seed N]
"""
import argparse
import os
import sys

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import GENRES, tensors_for_layers, write_gsm  # noqa: E402

LAYERS = [
    {"op": "conv3x3", "name": "conv1", "in_channels": 1, "out_channels": 4, "relu": True},
    {"op": "maxpool", "kernel": [2, 2]},
    {"op": "conv3x3", "name": "conv2", "in_channels": 4, "out_channels": 6, "relu": True},
    {"op": "maxpool", "kernel": [4, 2]},
    {"op": "conv3x3", "name": "conv3", "in_channels": 6, "out_channels": 8, "relu": False},
    {"op": "global_avgpool"},
    {"op": "dense", "name": "fc1", "in_features": 8, "out_features": 12, "relu": True},
    {"op": "dense", "name": "fc2", "in_features": 12, "out_features": 10, "relu": False},
    {"op": "softmax"},
]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    tensors = {}
    for name, shape in tensors_for_layers(LAYERS):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        tensors[name] = rng.normal(0, 1 / np.sqrt(fan_in), size=shape).astype(np.float32)
    write_gsm(args.out, LAYERS, tensors, labels=GENRES, name="fixture-random",
              metadata={"purpose": "test fixture, random weights, not trained"})


if __name__ == "__main__":
    main()
