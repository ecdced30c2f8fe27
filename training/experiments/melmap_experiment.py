"""Can the GTZAN mel set help the musicnn genre head through a LEARNED map?

The mel set (../shared/data/gtzan-mel) has 297 tracks without audio, most of them
in the genres the audio leaves thin (country, disco, hiphop, metal, pop, reggae).
The musicnn head (training/musicnn/train_head.py) only sees the engine's 200-value
embeddings of audio. An analytic map of the mel images onto musicnn's input failed
(../shared/notes/pretrained-backbone.md). This script tries a learned one:

1. For the 341 tracks that exist both as audio and in the mel set, each musicnn
   window k (the engine's clean embeddings, training/runs/emb/{train,valid}/clean,
   window k = [k*2.992, (k+1)*2.992) s, audible windows only) is paired with the
   small CNN's (Weights/genre-cnn.gsm) 128-value `avgpool` features of the 39 mel
   columns starting nearest k*2.992 s (column x sits at (x+0.5)*30/387.5 s), run
   in PyTorch with the engine's standardisation (training/common/gsm_network.py,
   training/cnn/mel_data.py).
2. A map features(128) -> embedding(200) is fitted on TRAIN tracks only (ridge
   regression over a grid of alphas, and a small MLP) and checked on valid tracks:
   R^2, cosine of a mapped window to its own real window vs to other tracks' real
   windows (same genre / any genre), nearest-real-window retrieval, and what the
   real-embedding head makes of mapped valid windows.
3. The mel-only train tracks (split == 'train', no embedding file) get
   pseudo-embeddings: the map applied to their small-CNN features (windows at the
   same starts as musicnn's, 10 per track).
4. Heads (StandardScaler + LogisticRegression(class_weight='balanced', C=1), the
   baseline recipe) are fitted on real train embeddings with and without the
   pseudo-embedded tracks (weight 1, 0.5, 0.25; one standardisation for both or
   one per domain) and scored on valid REAL embeddings: window accuracy, track
   accuracy (argmax of the summed log-probabilities of a track's windows) and per
   genre the tracks right. Valid chooses; nothing is trained on valid.

Reference rows: a head trained on pseudo-embeddings only, and the small CNN's own
mel-set predictions of the same valid tracks fused with the baseline head's
(sum of log-probabilities), the alternative the notes suggest.

Usage (from the repository root, a couple of minutes on 2 CPU cores):
    python3 training/experiments/melmap_experiment.py [--npz ../shared/data/gtzan-mel/gtzan_mel_trainvalid.npz]
"""
import argparse
import os
import sys
import warnings

import numpy as np
import torch

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.cnn.mel_data import DEFAULT_NPZ, decode_db, engine_standardize  # noqa: E402
from training.common.gsm_network import load_network  # noqa: E402
from training.common.paths import REPO, WEIGHTS  # noqa: E402
from training.musicnn.head import GENRES  # noqa: E402
from training.musicnn.train_head import EMB, SILENCE_DB  # noqa: E402

MUSICNN_HOP_S = 2.992        # the engine's musicnn window length and hop
COLUMNS_PER_S = 387.5 / 30.0  # mel column x is at (x + 0.5) / COLUMNS_PER_S seconds
FRAMES = 39
THIN = ["country", "disco", "hiphop", "metal", "pop", "reggae"]


def start_column(k, n_columns):
    """First of the 39 mel columns covering musicnn window k (nearest start, clipped to the track)."""
    x0 = int(round(k * MUSICNN_HOP_S * COLUMNS_PER_S - 0.5))
    return min(max(x0, 0), n_columns - FRAMES)


@torch.no_grad()
def cnn_features(net, frontend, db, starts):
    """Small CNN avgpool features [len(starts), 128] and log-probabilities [len(starts), 10] of one track."""
    x = torch.stack([torch.from_numpy(db[:, s:s + FRAMES]) for s in starts])
    x = engine_standardize(x, frontend["compression"]["top_db"], frontend["standardize_eps"])
    v = net.values(x[:, None], ["avgpool", "softmax"])
    return v["avgpool"].flatten(1).numpy(), torch.log(v["softmax"].flatten(1).clamp_min(1e-30)).numpy()


def load_tracks(npz_path):
    """Per track: split, label, real embedding rows (or None), CNN features and log-probs for the same windows."""
    header, net = load_network(os.path.join(WEIGHTS, "genre-cnn.gsm"))
    frontend = header["frontend"]
    data = np.load(npz_path)
    tracks = []
    for i, tid in enumerate(data["ids"]):
        tid, split = str(tid), str(data["split"][i])
        db = decode_db(data["mel_u8"][i])
        path = os.path.join(EMB, split, "clean", tid + ".npy")
        if os.path.exists(path):
            a = np.load(path)
            keep = a[:, 0] >= SILENCE_DB        # the baseline's audible() filter
            ks = np.nonzero(keep)[0]
            emb = a[keep, 1:201]
        else:
            ks, emb = np.arange(10), None        # no audio: musicnn's 10 window starts of a 30 s track
        starts = [start_column(k, db.shape[1]) for k in ks]
        feats, logp = cnn_features(net, frontend, db, starts)
        tracks.append(dict(id=tid, split=split, label=int(data["labels"][i]), emb=emb, feats=feats, cnn_logp=logp))
    return tracks


def stack(tracks, key):
    X = np.concatenate([t[key] for t in tracks])
    y = np.concatenate([np.full(len(t[key]), t["label"]) for t in tracks])
    g = np.concatenate([np.full(len(t[key]), j) for j, t in enumerate(tracks)])
    return X, y, g


# ---------------------------------------------------------------- the map
def fit_ridge(F, E, alpha):
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler
    from sklearn.pipeline import make_pipeline
    return make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(F, E)


def fit_mlp(F, E, seed=0, hidden=256, epochs=300, l2=1e-3):
    """features -> embedding MLP (one hidden layer, dropout), on standardised inputs and targets."""
    torch.manual_seed(seed)
    fm, fs = F.mean(0), F.std(0) + 1e-6
    em, es = E.mean(0), E.std(0) + 1e-6
    Xt = torch.tensor((F - fm) / fs, dtype=torch.float32)
    Yt = torch.tensor((E - em) / es, dtype=torch.float32)
    net = torch.nn.Sequential(torch.nn.Linear(F.shape[1], hidden), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                              torch.nn.Linear(hidden, E.shape[1]))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=l2)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        net.train()
        order = torch.tensor(rng.permutation(len(Xt)))
        for s in range(0, len(Xt), 128):
            idx = order[s:s + 128]
            loss = ((net(Xt[idx]) - Yt[idx]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()

    class M:
        def predict(self, F2):
            with torch.no_grad():
                return net(torch.tensor((F2 - fm) / fs, dtype=torch.float32)).numpy() * es + em
    return M()


def map_quality(P, E, y, g, centre):
    """R^2 and cosine figures of mapped P against real E (rows paired), valid tracks."""
    from sklearn.metrics import r2_score
    r2u = r2_score(E, P)
    r2v = r2_score(E, P, multioutput="variance_weighted")
    Pc, Ec = P - centre, E - centre
    Pn = Pc / np.linalg.norm(Pc, axis=1, keepdims=True)
    En = Ec / np.linalg.norm(Ec, axis=1, keepdims=True)
    C = Pn @ En.T
    own = np.diag(C).mean()
    same_track = g[:, None] == g[None, :]
    same_genre = (y[:, None] == y[None, :]) & ~same_track
    other_genre = y[:, None] != y[None, :]
    own_track_other_windows = C[same_track & ~np.eye(len(g), dtype=bool)].mean()
    # nearest real window (cosine) of each mapped window: from the same track? from the same genre?
    nn = C.argmax(1)
    return dict(r2_uniform=r2u, r2_varweighted=r2v, cos_own=own, cos_own_track_other_windows=own_track_other_windows,
                cos_same_genre_other_tracks=C[same_genre].mean(), cos_other_genre=C[other_genre].mean(),
                nn_same_track=float(np.mean(g[nn] == g)), nn_same_genre=float(np.mean(y[nn] == y)))


# ---------------------------------------------------------------- heads
def fit_head(X, y, w=None):
    from sklearn.linear_model import LogisticRegression
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(X, y, sample_weight=w)


def full_logp(head, Xs):
    """[n, 10] log-probabilities (classes absent from the fit get -inf)."""
    lp = np.full((len(Xs), len(GENRES)), -np.inf)
    lp[:, head.classes_] = head.predict_log_proba(Xs)
    return lp


def score(lp, y, g):
    window = float(np.mean(lp.argmax(1) == y))
    tr = np.unique(g)
    pred = np.array([lp[g == j].sum(0).argmax() for j in tr])
    truth = np.array([y[g == j][0] for j in tr])
    per = {GENRES[c]: (int(np.sum((pred == c) & (truth == c))), int(np.sum(truth == c))) for c in range(len(GENRES))}
    return dict(window=window, track=float(np.mean(pred == truth)), per=per, right=(pred == truth), n=len(tr))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--npz", default=os.path.join(REPO, DEFAULT_NPZ))
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    from sklearn.preprocessing import StandardScaler

    tracks = load_tracks(args.npz)
    tr_audio = [t for t in tracks if t["split"] == "train" and t["emb"] is not None]
    va_audio = [t for t in tracks if t["split"] == "valid" and t["emb"] is not None]
    tr_mel = [t for t in tracks if t["split"] == "train" and t["emb"] is None]
    mel_only_counts = {g: sum(GENRES[t["label"]] == g for t in tr_mel) for g in THIN}
    print(f"paired train tracks {len(tr_audio)}, paired valid tracks {len(va_audio)}, mel-only train tracks "
          f"{len(tr_mel)} ({', '.join(f'{g} {n}' for g, n in mel_only_counts.items())})")

    Etr, ytr, gtr = stack(tr_audio, "emb")
    Ftr, _, _ = stack(tr_audio, "feats")
    Eva, yva, gva = stack(va_audio, "emb")
    Fva, _, _ = stack(va_audio, "feats")
    Fmel, ymel, gmel = stack(tr_mel, "feats")
    centre = Etr.mean(0)

    # ---- baseline head, real train embeddings only
    sc = StandardScaler().fit(Etr)
    base = fit_head(sc.transform(Etr), ytr)
    lp_base = full_logp(base, sc.transform(Eva))
    b = score(lp_base, yva, gva)
    print(f"\nbaseline (real train only, the {len(tr_audio)} tracks in the mel set): valid window {b['window']:.1%}, "
          f"track {b['track']:.1%} ({b['n']} tracks)")
    # the same recipe on every train embedding file (also jazz.00054, absent from the mel set): the reproduction
    Eall, yall = [], []
    for f in sorted(os.listdir(os.path.join(EMB, "train", "clean"))):
        a = np.load(os.path.join(EMB, "train", "clean", f))
        a = a[a[:, 0] >= SILENCE_DB]
        Eall.append(a[:, 1:201])
        yall.append(np.full(len(a), GENRES.index(f.split(".")[0])))
    Eall, yall = np.concatenate(Eall), np.concatenate(yall)
    sa = StandardScaler().fit(Eall)
    ra = score(full_logp(fit_head(sa.transform(Eall), yall), sa.transform(Eva)), yva, gva)
    print(f"baseline reproduction (all {len(os.listdir(os.path.join(EMB, 'train', 'clean')))} train embedding files): "
          f"valid window {ra['window']:.1%}, track {ra['track']:.1%}")

    # ---- the map: fitted on train pairs, checked on valid pairs
    print("\nmap features(128) -> embedding(200), fitted on train pairs, checked on valid pairs "
          f"({len(Ftr)} / {len(Fva)} windows); cosines centred on the train mean embedding")
    hdr = ("map", "R2 unif", "R2 varw", "cos own", "cos own-trk", "cos same-g", "cos other-g", "NN trk", "NN genre",
           "realhead win", "realhead trk")
    print("  " + " | ".join(hdr))
    maps = {}
    candidates = [(f"ridge a={a:g}", lambda a=a: fit_ridge(Ftr, Etr, a)) for a in (1, 10, 100, 1000)]
    candidates += [(f"mlp seed{s}", lambda s=s: fit_mlp(Ftr, Etr, seed=s)) for s in (0, 1)]
    quality = {}
    for name, make in candidates:
        m = make()
        P = m.predict(Fva)
        q = map_quality(P, Eva, yva, gva, centre)
        r = score(full_logp(base, sc.transform(P)), yva, gva)
        quality[name] = (q, r)
        maps[name] = m
        print(f"  {name} | {q['r2_uniform']:.3f} | {q['r2_varweighted']:.3f} | {q['cos_own']:.3f} | "
              f"{q['cos_own_track_other_windows']:.3f} | {q['cos_same_genre_other_tracks']:.3f} | "
              f"{q['cos_other_genre']:.3f} | {q['nn_same_track']:.3f} | {q['nn_same_genre']:.3f} | "
              f"{r['window']:.1%} | {r['track']:.1%}", flush=True)
    qr = map_quality(Eva, Eva, yva, gva, centre)
    print(f"  (real vs real, for scale: cos own-track other windows {qr['cos_own_track_other_windows']:.3f}, "
          f"same genre other tracks {qr['cos_same_genre_other_tracks']:.3f}, other genre {qr['cos_other_genre']:.3f})")

    # ---- heads with pseudo-embedded mel-only tracks
    print("\nheads scored on valid REAL embeddings (track counts right / valid tracks of the genre)")
    cols = ["country", "disco", "metal", "reggae", "hiphop", "blues", "classical", "jazz", "rock"]
    print("  " + " | ".join(["map", "head variant", "window", "track", "vs base +/-"] + cols))

    def show(mname, variant, r):
        gained = int(np.sum(r["right"] & ~b["right"]))
        lost = int(np.sum(~r["right"] & b["right"]))
        print(f"  {mname} | {variant} | {r['window']:.1%} | {r['track']:.1%} | +{gained}/-{lost} | "
              + " | ".join(f"{r['per'][c][0]}/{r['per'][c][1]}" for c in cols), flush=True)

    show("-", "baseline: real train only", b)
    for mname in ["ridge a=1", "ridge a=10", "ridge a=100", "ridge a=1000", "mlp seed0"]:
        m = maps[mname]
        Pmel = m.predict(Fmel)
        Ptr = m.predict(Ftr)            # the same map on the train audio tracks: the pseudo domain's statistics
        X = np.concatenate([Etr, Pmel])
        y = np.concatenate([ytr, ymel])
        for wt in (1.0, 0.5, 0.25):
            w = np.concatenate([np.ones(len(ytr)), np.full(len(ymel), wt)])
            s1 = StandardScaler().fit(X)
            r = score(full_logp(fit_head(s1.transform(X), y, w), s1.transform(Eva)), yva, gva)
            show(mname, f"+pseudo w={wt:g}, joint scaler", r)
        if mname.startswith("mlp"):   # worse map than ridge on every figure above: joint rows only (saves time)
            continue
        # per-domain standardisation: real rows by real-train stats; pseudo rows by the stats of the
        # mapped train-audio windows (same tracks as the real stats, so genre mix cancels) or by their own
        for how, sp in (("per-domain (mapped train-audio stats)", StandardScaler().fit(Ptr)),
                        ("per-domain (own stats)", StandardScaler().fit(Pmel))):
            Xd = np.concatenate([sc.transform(Etr), sp.transform(Pmel)])
            for wt in (1.0, 0.5):
                w = np.concatenate([np.ones(len(ytr)), np.full(len(ymel), wt)])
                r = score(full_logp(fit_head(Xd, y, w), sc.transform(Eva)), yva, gva)
                show(mname, f"+pseudo w={wt:g}, {how}", r)
        # all train tracks in the pseudo domain (mapped audio tracks too) alongside the real ones
        Xa = np.concatenate([Etr, Pmel, Ptr])
        ya = np.concatenate([ytr, ymel, ytr])
        s2 = StandardScaler().fit(Xa)
        r = score(full_logp(fit_head(s2.transform(Xa), ya), s2.transform(Eva)), yva, gva)
        show(mname, "+pseudo mel-only +mapped train-audio, joint", r)
        # pseudo only (mapped train-audio + mel-only), no real embeddings: how far the mapped domain carries
        Xp = np.concatenate([Ptr, Pmel])
        s3 = StandardScaler().fit(Xp)
        r = score(full_logp(fit_head(s3.transform(Xp), np.concatenate([ytr, ymel])), s3.transform(Eva)), yva, gva)
        show(mname, "pseudo only (mapped train-audio + mel-only)", r)

    # ---- reference: late fusion with the small CNN's own mel-set predictions of the same windows
    print("\nreference: small CNN (mel set, same windows) and late fusion with the baseline head")
    lp_cnn, _, _ = stack(va_audio, "cnn_logp")
    show("-", "small CNN alone (mel windows)", score(lp_cnn, yva, gva))
    for a in (0.25, 0.5, 1.0):
        show("-", f"baseline + {a:g} x small CNN log-probs", score(lp_base + a * lp_cnn, yva, gva))


if __name__ == "__main__":
    main()
