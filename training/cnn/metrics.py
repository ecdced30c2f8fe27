"""Window- and track-level scores of a window classifier over a MelSet.

A track's label is the argmax of the mean log-probability over its windows,
the same vote a stream of 3 s windows would give over a whole song.
"""
import numpy as np
import torch

from training.cnn.mel_data import engine_standardize, track_windows


@torch.no_grad()
def window_log_probs(predict, melset, stride, batch=512):
    """Runs `predict` (standardised [B,1,mels,frames] -> logits or log-probs) over every track.
    Returns a list, one [windows, classes] log-probability array per track."""
    per_track, pending, sizes = [], [], []
    for db in melset.db:
        w = track_windows(db, stride)
        pending.append(w)
        sizes.append(len(w))
    x = engine_standardize(torch.cat(pending))[:, None]
    out = torch.cat([torch.log_softmax(predict(x[i:i + batch]), dim=1) for i in range(0, len(x), batch)])
    for chunk in torch.split(out, sizes):
        per_track.append(chunk.numpy())
    return per_track


def confusion(truth, pred, classes):
    m = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(m, (truth, pred), 1)
    return m


def balanced_accuracy(cm):
    """Mean per-genre recall; genres absent from the truth are skipped."""
    support = cm.sum(axis=1)
    return float(np.mean(np.diag(cm)[support > 0] / support[support > 0]))


def scores(per_track, labels, classes):
    """Figures for one evaluation: accuracies, balanced accuracies, track confusion matrix."""
    labels = np.asarray(labels)
    win_truth = np.concatenate([np.full(len(p), y) for p, y in zip(per_track, labels)])
    win_pred = np.concatenate([p.argmax(axis=1) for p in per_track])
    track_pred = np.array([p.mean(axis=0).argmax() for p in per_track])
    win_cm = confusion(win_truth, win_pred, classes)
    track_cm = confusion(labels, track_pred, classes)
    return {
        "windows": int(len(win_truth)),
        "tracks": int(len(labels)),
        "window_acc": float((win_truth == win_pred).mean()),
        "track_acc": float((labels == track_pred).mean()),
        "window_balanced_acc": balanced_accuracy(win_cm),
        "track_balanced_acc": balanced_accuracy(track_cm),
        "window_nll": float(-np.mean([p[np.arange(len(p)), y].mean() for p, y in zip(per_track, labels)])),
        "track_confusion": track_cm,
        "window_confusion": win_cm,
        "track_pred": track_pred,
    }
