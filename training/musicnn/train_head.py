"""The genre head on the msd-musicnn backbone: fitted on the engine's own embeddings.

Reads training/runs/emb (training/backbone_features.py: per window, level, the
200-value embedding and the 50 tag logits, computed by the binary), fits heads on
train (+ the fit half of the real non-music clips + the synthetic clips), scores
them on valid (and the other half of the non-music clips), and with --export
refits the chosen one on train+valid(+all non-music) and writes a model file:
musicnn's graph plus the head, whose `genre` output has the ten genres and the
labels `speech` and `other`.

Classes: the ten GTZAN genres, speech, other (noise, tones, hum, dead air).
Windows below the engine's silence level (-60 dBFS) are left out: the engine
labels them `silence` without running the network.
Usage: python3 training/train_head.py [--export Weights/genre-musicnn.gsm]
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
EMB = os.path.join(HERE, "runs", "emb")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
CLASSES = GENRES + ["speech", "other"]
SILENCE_DB = -60.0
# MSD tags that name a genre: the backbone's own knowledge of commercial music.
TAG_PRIOR = {"blues": ["blues"], "country": ["country"], "hiphop": ["Hip-Hop", "rnb"], "jazz": ["jazz"],
             "metal": ["metal", "heavy metal"], "pop": ["pop", "indie pop"],
             "rock": ["rock", "classic rock", "hard rock", "alternative rock"], "disco": ["dance", "funk"],
             "classical": [], "reggae": []}


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


class Head:
    """Standardisation, then one linear layer (multinomial logistic regression) or a
    small MLP, trained with class-balanced weights, optional mixup and a fixed
    tag-name prior added to the genre logits."""

    def __init__(self, hidden=0, l2=1e-3, prior=0.0, mixup=0.0, epochs=60, seed=0, prior_in_training=False):
        """prior: weight of the tag-name prior added to the genre logits. Added after
        training (the default), it is knowledge the 226 GTZAN tracks cannot outvote;
        inside training the fit learns to cancel it."""
        self.hidden, self.l2, self.prior, self.mixup, self.epochs, self.seed = hidden, l2, prior, mixup, epochs, seed
        self.prior_in_training = prior_in_training

    def prior_matrix(self, tag_names):
        P = np.zeros((50, len(CLASSES)), np.float32)
        for g, tags in TAG_PRIOR.items():
            for tag in tags:
                P[tag_names.index(tag), CLASSES.index(g)] = 1.0 / len(tags)
        return P

    def fit(self, X, y, tag_names):
        import torch
        torch.manual_seed(self.seed)
        self.mean, self.std = X.mean(0), X.std(0) + 1e-6
        Xs = torch.tensor((X - self.mean) / self.std, dtype=torch.float32)
        Y = torch.tensor(y)
        counts = np.bincount(y, minlength=len(CLASSES)).astype(np.float64)
        weights = torch.tensor(np.where(counts > 0, len(y) / (len(CLASSES) * np.maximum(counts, 1)), 0), dtype=torch.float32)
        d = X.shape[1]
        layers = [torch.nn.Linear(d, self.hidden), torch.nn.ReLU(), torch.nn.Dropout(0.3),
                  torch.nn.Linear(self.hidden, len(CLASSES))] if self.hidden else [torch.nn.Linear(d, len(CLASSES))]
        self.net = torch.nn.Sequential(*layers)
        P = torch.tensor(self.prior_matrix(tag_names))
        raw_tags = torch.tensor(X[:, 200:250], dtype=torch.float32)
        opt = torch.optim.AdamW(self.net.parameters(), lr=3e-3, weight_decay=self.l2)
        n, batch = len(y), 256
        rng = np.random.default_rng(self.seed)
        for epoch in range(self.epochs):
            self.net.train()
            order = torch.tensor(rng.permutation(n))
            for s in range(0, n, batch):
                idx = order[s:s + batch]
                xb, yb, tb = Xs[idx], Y[idx], raw_tags[idx]
                onehot = torch.nn.functional.one_hot(yb, len(CLASSES)).float()
                if self.mixup > 0:
                    lam = float(rng.beta(self.mixup, self.mixup))
                    perm = torch.randperm(len(idx))
                    xb = lam * xb + (1 - lam) * xb[perm]
                    tb = lam * tb + (1 - lam) * tb[perm]
                    onehot = lam * onehot + (1 - lam) * onehot[perm]
                logits = self.net(xb) + (self.prior if self.prior_in_training else 0.0) * (tb @ P)
                loss = -(onehot * torch.log_softmax(logits, 1) * weights).sum(1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        self.net.eval()
        self.P = P
        return self

    def log_proba(self, X):
        import torch
        with torch.no_grad():
            Xs = torch.tensor((X - self.mean) / self.std, dtype=torch.float32)
            logits = self.net(Xs) + self.prior * (torch.tensor(X[:, 200:250], dtype=torch.float32) @ self.P)
            return torch.log_softmax(logits, 1).numpy()


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
    from gsm_format import read_gsm
    header, _ = read_gsm(os.path.join(ROOT, "Weights", "msd-musicnn.gsm"))
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
                   help="also write the head fitted on train only (for benchmarks on valid, e.g. radio_benchmark.py)")
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
    os.makedirs(os.path.join(HERE, "runs"), exist_ok=True)
    with open(os.path.join(HERE, "runs", "head_results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if args.export_train_only:
        from export_head import export
        export(Head(epochs=args.epochs, **settings[0]).fit(X, y, names), args.export_train_only, results[0],
               settings[0], " ".join(sys.argv))
    if args.export:
        from export_head import export
        s = settings[0]
        Xa, ya = datasets(args.train_variants.split(","), fit_valid=True)
        head = Head(epochs=args.epochs, **s).fit(Xa, ya, names)
        export(head, args.export, results[0], s, " ".join(sys.argv))


if __name__ == "__main__":
    main()
