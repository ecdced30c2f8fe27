"""Training-time views of the tracks: random 3 s crops and augmentations.

Randomness comes from torch's global generator (train.py seeds it).
Everything here happens in decibels before `engine_standardize`, except the
masks and mixup, which act on the standardised window the network sees.
A plain dB offset would cancel in the standardisation, so loudness changes are
modelled as spectral tilt and a smooth random EQ curve instead.
"""

import torch
import torch.nn.functional as F

from training.cnn.mel_data import WINDOW_FRAMES, engine_standardize


def random_crops(db, stretch=0.12, freq_shift=1.5, frames=WINDOW_FRAMES):
    """Crops [B, mels, columns] tracks to [B, mels, frames] at a random start and tempo.

    `stretch` resamples time by a factor in [1-stretch, 1+stretch]: tempo variety, and it
    covers the engine's hop (1696 samples) differing from the set's column spacing (~1708.6).
    `freq_shift` moves the mel axis by up to that many bands (small pitch/timbre variety).
    """
    b, mels, cols = db.shape
    rate = 1 + (torch.rand(b) * 2 - 1) * stretch
    span = rate * (frames - 1)
    start = torch.rand(b) * (cols - 1 - span)
    t = start[:, None] + rate[:, None] * torch.arange(frames)[None, :]
    shift = (torch.rand(b) * 2 - 1) * freq_shift
    m = torch.arange(mels)[None, :] + shift[:, None]
    # grid_sample wants coordinates in [-1, 1] (align_corners=True: -1 is the first sample).
    gx = (t / (cols - 1) * 2 - 1)[:, None, :].expand(b, mels, frames)
    gy = (m / (mels - 1) * 2 - 1)[:, :, None].expand(b, mels, frames)
    grid = torch.stack([gx, gy], dim=-1)
    out = F.grid_sample(db[:, None], grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out[:, 0]


def random_eq(db, tilt_db=12.0, curve_db=6.0, knots=6):
    """Adds a random linear tilt (+-tilt_db from lowest to highest band) and a smooth random
    EQ curve (cosine-interpolated knots of +-curve_db): a different microphone, room or master."""
    b, mels, _ = db.shape
    pos = torch.linspace(-0.5, 0.5, mels)
    tilt = (torch.rand(b, 1) * 2 - 1) * tilt_db * pos[None, :]
    knot_gain = (torch.rand(b, 1, knots) * 2 - 1) * curve_db
    curve = F.interpolate(knot_gain, size=mels, mode="linear", align_corners=True)[:, 0]
    return db + (tilt + curve)[:, :, None]


def spec_mask(x, freq_masks=2, freq_width=16, time_masks=2, time_width=6):
    """SpecAugment on standardised windows [B, mels, frames]; masked cells become 0, the window mean."""
    b, mels, frames = x.shape
    keep = torch.ones_like(x, dtype=torch.bool)
    for axis, count, width, size in ((1, freq_masks, freq_width, mels), (2, time_masks, time_width, frames)):
        idx = torch.arange(size)
        for _ in range(count):
            w = (torch.rand(b) * (width + 1)).long()
            s = (torch.rand(b) * (size - w + 1).float()).long()
            hit = (idx[None, :] >= s[:, None]) & (idx[None, :] < (s + w)[:, None])
            keep &= ~(hit[:, :, None] if axis == 1 else hit[:, None, :])
    return x * keep


def mixup(x, targets, alpha=0.4):
    """Mixes each window with a shuffled partner; targets are soft [B, classes]."""
    if alpha <= 0:
        return x, targets
    lam = torch.distributions.Beta(alpha, alpha).sample((x.shape[0],))
    lam = torch.maximum(lam, 1 - lam)  # the first window stays the dominant one
    perm = torch.randperm(x.shape[0])
    lx = lam.view(-1, *([1] * (x.dim() - 1)))
    return lx * x + (1 - lx) * x[perm], lam[:, None] * targets + (1 - lam[:, None]) * targets[perm]


def training_batch(tracks_db, labels, classes, cfg):
    """One augmented batch: (standardised windows [B, 1, mels, frames], soft targets [B, classes])."""
    db = random_crops(tracks_db, stretch=cfg["stretch"], freq_shift=cfg["freq_shift"])
    if cfg["eq"]:
        db = random_eq(db)
    x = engine_standardize(db)
    if cfg["masks"]:
        x = spec_mask(x)
    targets = F.one_hot(labels, classes).float()
    x, targets = mixup(x, targets, alpha=cfg["mixup"])
    return x[:, None], targets
