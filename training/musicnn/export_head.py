"""Writes musicnn's graph with a trained genre head as one model file.

The head reads the backbone's `embedding` (200) and `tag_logits` (50):
concat -> affine (the standardisation fitted on the training windows) ->
[dense + ReLU] -> dense to 12 logits, plus, when the head uses the tag-name
prior, a fixed dense branch from the tag logits, added -> softmax: the `genre`
output (the ten genres, `speech`, `other`). The backbone's own outputs (`tags`,
`embedding`, `tag_logits`) stay. The file is read back and run with
training/common/gsm_network.py (PyTorch) against the head's own predictions before anything is
reported.
"""
import datetime
import json
import os
import subprocess

import numpy as np

from training.common.gsm_format import read_gsm, write_gsm
from training.common.paths import REPO, WEIGHTS
from training.musicnn.head import CLASSES

BACKBONE = os.path.join(WEIGHTS, "msd-musicnn.gsm")


def head_nodes(head):
    """(nodes, tensors) of the head, from a fitted head.Head."""
    linear = [m for m in head.net if hasattr(m, "weight")]
    nodes = [{"name": "head_in", "op": "concat", "inputs": ["embedding", "tag_logits"], "axis": "c"},
             {"name": "head_std", "op": "affine", "inputs": ["head_in"]}]
    tensors = {"head_std.scale": (1.0 / head.std).astype(np.float32),
               "head_std.shift": (-head.mean / head.std).astype(np.float32)}
    previous = "head_std"
    for k, layer in enumerate(linear):
        last = k == len(linear) - 1
        name = "genre_logits" if last else f"head_hidden{k + 1}"
        nodes.append({"name": name, "op": "dense", "inputs": [previous],
                      "out_features": int(layer.weight.shape[0]), "relu": not last})
        tensors[name + ".weight"] = layer.weight.detach().numpy().astype(np.float32)
        tensors[name + ".bias"] = layer.bias.detach().numpy().astype(np.float32)
        previous = name
    if head.prior:
        nodes.append({"name": "genre_prior", "op": "dense", "inputs": ["tag_logits"], "out_features": int(head.P.shape[1])})
        tensors["genre_prior.weight"] = (head.prior * head.P.numpy().T).astype(np.float32)
        tensors["genre_prior.bias"] = np.zeros(head.P.shape[1], np.float32)
        nodes.append({"name": "genre_sum", "op": "add", "inputs": [previous, "genre_prior"]})
        previous = "genre_sum"
    nodes.append({"name": "genre", "op": "softmax", "inputs": [previous]})
    return nodes, tensors


def export(head, path, result, settings, command):
    header, backbone = read_gsm(BACKBONE)
    nodes, tensors = head_nodes(head)
    all_tensors = dict(backbone)
    all_tensors.update(tensors)
    outputs = [{"name": "genre", "node": "genre", "labels": CLASSES}] + header["outputs"]
    commit = subprocess.run(["git", "-C", REPO, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    metadata = dict(header["metadata"])
    metadata.update({
        "head": json.dumps(settings, sort_keys=True),
        "head_trained_on": "engine-computed msd-musicnn embeddings + tag logits of ../shared/data gtzan-audio train+valid, "
                           "nonmusic, and training/musicnn/nonmusic_synth.py clips, each in 10 audio variants (train_head.py)",
        "head_valid_train_only_fit": json.dumps({k: result["valid"][k] for k in result["valid"]}, sort_keys=True),
        "head_command": command,
        "git_commit": commit,
        "exported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    write_gsm(path, header["nodes"] + nodes, all_tensors, frontend=header["frontend"], name="genre-musicnn",
              metadata=metadata, outputs=outputs)
    # Read back and compare with the head itself on random embeddings through the file's own graph.
    from training.common.gsm_network import load_network
    import torch
    h2, net = load_network(path)
    x = torch.rand(4, 1, 96, 187) * 4
    with torch.no_grad():
        out = net.outputs(x)
    features = np.concatenate([out["embedding"].reshape(4, -1).numpy(), out["tag_logits"].reshape(4, -1).numpy()], 1)
    want = np.exp(head.log_proba(features))
    diff = float(np.abs(out["genre"].reshape(4, -1).numpy() - want).max())
    if diff > 1e-4:
        raise RuntimeError(f"the written head differs from the fitted one by {diff:g}")
    print(f"wrote {path}: {len(header['nodes']) + len(nodes)} nodes; outputs {[o['name'] for o in outputs]}; "
          f"max |dprob| vs the fitted head {diff:.1e}")
    return h2
