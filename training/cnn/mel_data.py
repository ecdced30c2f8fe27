"""The decoded GTZAN mel set and the engine's per-window preprocessing.

Every script (training, evaluation, parity fixtures) goes through
`engine_standardize`, so the network never sees anything the engine would not
compute from the same decibels.
"""
from dataclasses import dataclass

import numpy as np
import torch

DEFAULT_NPZ = "../shared/data/gtzan-mel/gtzan_mel_trainvalid.npz"
WINDOW_FRAMES = 39   # one 3 s window of ~77.5 ms columns (the engine's frames_per_window)
TOP_DB = 80.0
STANDARDIZE_EPS = 1e-5
VMIN_DB = -80.0      # the image's dB floor for most tracks; its exact value cancels (README)


@dataclass
class MelSet:
    """Tracks of one split as decibels [tracks, mels, columns] with integer labels."""
    db: torch.Tensor
    labels: torch.Tensor
    ids: list
    genres: list


def decode_db(mel_u8):
    """uint8 image -> dB, as the data README gives; the bin centre avoids a -80 dB pile-up."""
    return VMIN_DB + (mel_u8.astype(np.float32) + 0.5) / 256.0 * (0.0 - VMIN_DB)


def load_split(npz_path, split):
    """Loads the tracks whose `split` entry equals `split` ("all" keeps every track)."""
    data = np.load(npz_path)
    keep = np.ones(len(data["labels"]), bool) if split == "all" else data["split"] == split
    if not keep.any():
        raise ValueError(f"{npz_path}: no tracks with split == {split!r}")
    return MelSet(
        db=torch.from_numpy(decode_db(data["mel_u8"][keep])),
        labels=torch.from_numpy(data["labels"][keep].astype(np.int64)),
        ids=[str(i) for i in data["ids"][keep]],
        genres=[str(g) for g in data["genres"]],
    )


def engine_standardize(db, top_db=TOP_DB, eps=STANDARDIZE_EPS):
    """Engine preprocessing of dB windows [..., mels, frames]: clamp below window max - top_db,
    then standardise by the window's own mean and population std (FORMAT.md, frontend step 6)."""
    flat = db.flatten(-2)
    if top_db > 0:
        floor = flat.amax(dim=-1, keepdim=True) - top_db
        flat = torch.maximum(flat, floor)
    mean = flat.mean(dim=-1, keepdim=True)
    std = flat.std(dim=-1, keepdim=True, unbiased=False)
    return ((flat - mean) / (std + eps)).view(db.shape)


def track_windows(db, stride, frames=WINDOW_FRAMES):
    """Consecutive windows of one track [mels, columns] -> [n, mels, frames], starting at column 0."""
    starts = range(0, db.shape[-1] - frames + 1, stride)
    return torch.stack([db[:, s:s + frames] for s in starts])
