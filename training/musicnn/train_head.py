"""The genre head on the msd-musicnn backbone: fitted on the engine's own embeddings.

Reads training/runs/emb (training/musicnn/backbone_features.py: per window, level, the
200-value embedding and the 50 tag logits, computed by the binary), fits heads on
train (+ the fit half of the real non-music clips + the synthetic clips), scores
them on valid (and the other half of the non-music clips), and with --export
refits the chosen one on train+valid(+all non-music) and writes a model file:
musicnn's graph plus the head, whose `genre` output has the ten genres and the
labels `speech` and `other`. The head itself is head.py's `Head`.

Classes: the ten GTZAN genres, speech, other (noise, tones, hum, dead air).
Windows below the engine's silence level (-60 dBFS) are left out: the engine
labels them `silence` without running the network.
Usage: python3 training/musicnn/train_head.py [--export Weights/genre-musicnn.gsm]
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import read_gsm  # noqa: E402
from training.common.paths import RUNS, WEIGHTS  # noqa: E402
from training.musicnn.export_head import export  # noqa: E402
from training.musicnn.head import CLASSES, GENRES, Head  # noqa: E402

EMB = os.path.join(RUNS, "emb")
SILENCE_DB = -60.0


def label_of(set_name, name):
    if set_name in ("train", "valid"):
        return GENRES.index(name.split(".")[0])
    if set_name == "realworld":
        return GENRES.index(name.split("__")[0])
    kind = name.split("__")[0]
    return CLASSES.index("speech" if kind == "speech" else "other")


def nonmusic_fit_half(name):
    """Half the real non-music clips fit, the other half score (by a hash of the name)."""
    return int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % 2 == 0


def load(set_name, variants, keep=None):
    """-> X [windows, 250], y [windows], track id per window, level per window."""
    xs, ys, tracks, levels = [], [], [], []
    for variant in variants:
        base = os.path.join(EMB, set_name, variant)
        if not os.path.isdir(base):
            continue
        for f in sorted(os.listdir(base)):
            if not f.endswith(".npy") or f.endswith(".part.npy"):
                continue
            name = f[:-4]
            if keep is not None and not keep(name):
                continue
            a = np.load(os.path.join(base, f))
            if a.size == 0:
                continue
            xs.append(a[:, 1:])
            levels.append(a[:, 0])
            ys.append(np.full(len(a), label_of(set_name, name)))
            tracks += [f"{set_name}/{variant}/{name}"] * len(a)
    if not xs:
        return np.zeros((0, 250), np.float32), np.zeros(0, int), np.array([]), np.zeros(0)
    return np.concatenate(xs), np.concatenate(ys), np.array(tracks), np.concatenate(levels)


def audible(data):
    X, y, t, lv = data
    m = lv >= SILENCE_DB
    return X[m], y[m], t[m], lv[m]


def scores(head, data, genre_only=True):
    """Window, track (mean log-probability over the track's windows) and balanced track accuracy."""
    X, y, t, _ = data
    if len(y) == 0:
        return {}
    lp = head.log_proba(X)
    if genre_only:  # among the genres only: what a music window's label is
        lp_g = lp[:, :len(GENRES)]
    else:
        lp_g = lp
    window = float(np.mean(lp_g.argmax(1) == y))
    tracks = {}
    for i, tr in enumerate(t):
        tracks.setdefault(tr, [np.zeros(lp_g.shape[1]), y[i]])[0].__iadd__(lp_g[i])
    pred = {tr: v[0].argmax() for tr, v in tracks.items()}
    truth = {tr: v[1] for tr, v in tracks.items()}
    track = float(np.mean([pred[tr] == truth[tr] for tr in tracks]))
    per = {}
    for tr in tracks:
        per.setdefault(truth[tr], []).append(pred[tr] == truth[tr])
    balanced = float(np.mean([np.mean(v) for v in per.values()]))
    nonmusic_called = float(np.mean(lp.argmax(1) >= len(GENRES)))
    return {"window": window, "track": track, "balanced": balanced, "windows": len(y), "tracks": len(tracks),
            "called_nonmusic": nonmusic_called}


def nonmusic_scores(head, data):
    X, y, t, _ = data
    if len(y) == 0:
        return {}
    pred = head.log_proba(X).argmax(1)
    return {"not_given_a_genre": float(np.mean(pred >= len(GENRES))), "exact_kind": float(np.mean(pred == y)),
            "windows": len(y)}


def tag_names():
    header, _ = read_gsm(os.path.join(WEIGHTS, "msd-musicnn.gsm"))
    return next(o for o in header["outputs"] if o["name"] == "tags")["labels"]


def datasets(train_variants, fit_valid=False):
    fit = [audible(load("train", train_variants)),
           audible(load("nonmusic", train_variants, keep=lambda n: fit_valid or nonmusic_fit_half(n))),
           audible(load("synthetic", train_variants))]
    if fit_valid:
        fit.append(audible(load("valid", ["clean", "u8_8k", "tel", "r11k", "mp3_32"])))
    X = np.concatenate([d[0] for d in fit])
    y = np.concatenate([d[1] for d in fit])
    return X, y


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--grid", action="store_true", help="compare head settings on valid")
    p.add_argument("--hidden", type=int, default=0)
    p.add_argument("--l2", type=float, default=1e-2)
    p.add_argument("--prior", type=float, default=0.0)
    p.add_argument("--mixup", type=float, default=0.0)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--train-variants", default="clean,phase,u8_8k,tel,r11k,mp3_32,ogg_q0,gain_eq,noise,reverb")
    p.add_argument("--export", default=None)
    p.add_argument("--export-train-only", default=None,
                   help="also write the head fitted on train only (for benchmarks on valid, e.g. training/evaluation/radio_benchmark.py)")
    args = p.parse_args()
    names = tag_names()
    X, y = datasets(args.train_variants.split(","))
    valid = {v: audible(load("valid", [v])) for v in ["clean", "u8_8k", "tel", "r11k", "mp3_32"]}
    realworld = audible(load("realworld", ["clean"]))
    nonmusic_eval = audible(load("nonmusic", ["clean", "u8_8k", "tel", "mp3_32"], keep=lambda n: not nonmusic_fit_half(n)))
    print(f"fit: {len(y)} windows ({np.bincount(y, minlength=len(CLASSES)).tolist()}); "
          f"valid clean {len(valid['clean'][1])} windows; non-music eval {len(nonmusic_eval[1])} windows", flush=True)
    settings = [dict(hidden=args.hidden, l2=args.l2, prior=args.prior, mixup=args.mixup)]
    if args.grid:
        settings = [dict(hidden=h, l2=l2, prior=pr, mixup=mx) for h in (0, 256) for l2 in (1e-3, 1e-1)
                    for pr in (0.0, 1.0) for mx in (0.0, 0.4)]
    results = []
    for s in settings:
        head = Head(epochs=args.epochs, **s).fit(X, y, names)
        r = {"settings": s, "valid": {v: scores(head, d) for v, d in valid.items()},
             "realworld": scores(head, realworld), "nonmusic": nonmusic_scores(head, nonmusic_eval)}
        results.append(r)
        vc = r["valid"]["clean"]
        print(f"{json.dumps(s)}: valid window {vc['window']:.3f} track {vc['track']:.3f} balanced {vc['balanced']:.3f} "
              f"music->nonmusic {vc['called_nonmusic']:.3f}; u8_8k track {r['valid']['u8_8k']['track']:.3f} "
              f"window {r['valid']['u8_8k']['window']:.3f}; tel {r['valid']['tel']['track']:.3f}; "
              f"realworld track {r['realworld'].get('track', float('nan')):.3f} ({r['realworld'].get('tracks', 0)}); "
              f"non-music not given a genre {r['nonmusic'].get('not_given_a_genre', float('nan')):.3f}", flush=True)
    os.makedirs(RUNS, exist_ok=True)
    with open(os.path.join(RUNS, "head_results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.export_train_only:
        export(Head(epochs=args.epochs, **settings[0]).fit(X, y, names), args.export_train_only, results[0],
               settings[0], " ".join(sys.argv))
    if args.export:
        s = settings[0]
        Xa, ya = datasets(args.train_variants.split(","), fit_valid=True)
        head = Head(epochs=args.epochs, **s).fit(Xa, ya, names)
        export(head, args.export, results[0], s, " ".join(sys.argv))


if __name__ == "__main__":
    main()
