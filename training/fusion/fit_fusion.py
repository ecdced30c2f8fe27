"""The fusion of the genre head with YAMNet's AudioSet tags: which groups, weights and biases.

Reads only what extract_members.py wrote (per-window outputs computed by the
binary) under training/runs/fusion: `musicnn/` (the train-only head's 12
probabilities, and each window's silence flag from the stream) and
`yamnet-<hop>/` (521 tag probabilities per patch). The fusion is the engine's
(Weights/FORMAT.md `fusion`): for a musicnn window and a label g,

    score_g = bias_g + a_g * log(p_musicnn(g) + 1e-7)
              + b_g * mean over the YAMNet patches that end in (window start, window end]
                      of log(sum of the tags of group_g + 1e-7)

(no YAMNet term for a label with an empty group), fused p = softmax(score).
Scored as training/evaluation/evaluate_binary.py scores the engine: non-silent windows only; a
window's label is its top label; a track is the genre with the largest summed
log-probability (floored at 1e-6) among the ten; music windows labelled speech or
other count against; the held-out half of the real non-music clips and the
LibriSpeech demo clip should be given no genre.

The grid: groups of AudioSet classes per genre (VARIANTS), a shared YAMNet
weight w for the genres (a = 1, b = w), YAMNet's patch hop (0.48 or 0.96 s), and
per-genre weights fitted on train windows only (logistic regression, L2). For
each, the speech/other settings (their YAMNet weight and group, their biases) are
those that meet the non-music limits (music -> speech/other <= 1% on valid and
<= 3% on real-world, held-out non-music given no genre >= 99%) with the best
valid window accuracy. Real-world songs are validation only: nothing is fitted on
them; they bound the speech/other choice and are reported beside valid.
With --small FOLDER the small CNN (its genre probabilities, extract_members.py
--member small) joins as a third member at shared weights u (--small-weights).
Usage: python3 training/fusion/fit_fusion.py [--hops 0.48,0.96] [--out training/runs/fusion/chosen.json]
       python3 training/fusion/fit_fusion.py --small small --small-weights 0.25,0.5,0.75,1 --no-per-genre
           --weights 0.5,0.75,1,1.25 --variants base,rock+indie --out training/runs/fusion/chosen-small.json
           --table training/runs/fusion/table-small.txt
"""
import argparse
import hashlib
import itertools
import json
import math
import os
import sys

import numpy as np
from scipy.optimize import minimize

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common import paths  # noqa: E402

RUNS = os.path.join(paths.RUNS, "fusion")
GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
FLOOR = 1e-7

BASE_GROUPS = {
    "blues": ["Blues"], "classical": ["Classical music", "Opera"], "country": ["Country", "Bluegrass"],
    "disco": ["Disco", "Funk"], "hiphop": ["Hip hop music"], "jazz": ["Jazz", "Swing music"],
    "metal": ["Heavy metal"], "pop": ["Pop music"], "reggae": ["Reggae"],
    "rock": ["Rock music", "Rock and roll", "Psychedelic rock", "Progressive rock"],
}
# Classes added to the base groups.
VARIANTS = {
    "base": {},
    "rock+punk": {"rock": ["Punk rock", "Grunge"]},
    "disco+edm": {"disco": ["Electronic music", "Dance music"]},
    "pop+edm": {"pop": ["Electronic music", "Dance music"]},
    "blues+soul": {"blues": ["Soul music", "Rhythm and blues"]},
    "pop+soul": {"pop": ["Soul music", "Rhythm and blues"]},
    "hiphop+rap": {"hiphop": ["Rapping"]},
    # Train's metal windows: YAMNet hears punk and grunge in them more than heavy metal.
    "metal+punk": {"metal": ["Punk rock", "Grunge"]},
    "rock+indie": {"rock": ["Independent music"]},
}
SPEECH_GROUP = ["Speech", "Child speech, kid speaking", "Conversation", "Narration, monologue", "Speech synthesizer"]
# `other`: no YAMNet term, or the noises, tones and hum that the non-music set holds (not
# "Silence": YAMNet gives it to quiet passages of the real-world songs; dead air is the engine's silence).
OTHER_GROUPS = {
    "none": [],
    "noise": ["Noise", "White noise", "Pink noise", "Static", "Hum", "Mains hum", "Environmental noise", "Sine wave",
              "Beep, bleep", "Dial tone", "Busy signal", "Wind", "Wind noise (microphone)", "Rain", "Ocean", "Waves, surf",
              "Vehicle", "Traffic noise, roadway noise", "Walk, footsteps", "Clapping", "Applause", "Knock", "Cough",
              "Laughter", "Bicycle", "Buzz", "Hiss"],
}
SPEECH_WEIGHTS = [0.0, 0.5, 1.0]
BIASES = [-8.0, -6.0, -4.0, -3.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0]
LIMITS = {"valid_nonmusic": 0.01, "realworld_nonmusic": 0.03, "heldout_no_genre": 0.99}


def heldout(name):
    """evaluate_binary.py's held-out half of the real non-music clips (training/musicnn/train_head.py fits on the other)."""
    return int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % 2 == 1


class Member:
    """One member's rows per set: [{name, rows [n, labels], silent}], and where its rows lie in time."""

    def __init__(self, runs, folder):
        self.base = os.path.join(runs, folder)
        with open(os.path.join(self.base, "meta.json")) as f:
            self.meta = json.load(f)
        self.labels = self.meta["labels"]

    def rows(self, set_name, name):
        a = np.load(os.path.join(self.base, set_name, name + ".npy"))
        return a.reshape(len(a), -1)[:, 1:]

    def silent(self, set_name, name):
        return np.load(os.path.join(self.base, set_name, name + ".silent.npy"))

    def end_samples(self, count):
        """Each row's end, in samples at the model's rate: the end of its last frame's hop."""
        m = self.meta
        return (np.arange(count) * m["hop_frames"] + m["frames_per_window"]) * m["hop_length"]

    def names(self, set_name):
        base = os.path.join(self.base, set_name)
        if not os.path.isdir(base):
            return []  # e.g. head_outputs.py's folders have no demo clip
        return sorted(f[:-4] for f in os.listdir(base) if f.endswith(".npy") and not f.endswith((".silent.npy", ".part.npy")))


class Window:
    """All non-silent musicnn windows of a set, with per window the YAMNet tags' log group sums (for any group)."""

    def __init__(self, musicnn, yamnet, set_name, keep=lambda name: True, small=None):
        self.set_name = set_name
        self.names, self.truth, logs, track, patch_means, small_means = [], [], [], [], [], []
        self.empty_tracks = []  # tracks with no audible window: wrong, as in evaluate_binary.py
        for name in musicnn.names(set_name):
            if not keep(name):
                continue
            truth = GENRES.index(name.split(".")[0] if set_name in ("train", "valid") else name.split("__")[0]) \
                if set_name in ("train", "valid", "realworld") else -1
            p = musicnn.rows(set_name, name)
            audible = ~musicnn.silent(set_name, name)
            if not audible.any():
                self.empty_tracks.append(truth)
                continue
            window_end = musicnn.end_samples(len(p))
            window_start = window_end - musicnn.meta["frames_per_window"] * musicnn.meta["hop_length"]
            def placed(other):
                """The other member's rows, each with the musicnn window whose (start, end] holds its end."""
                tags = other.rows(set_name, name)
                scale = musicnn.meta["sample_rate"] / other.meta["sample_rate"]
                patch_end = other.end_samples(len(tags)) * scale
                owner = np.searchsorted(window_end, patch_end, side="left")
                inside = (owner < len(p)) & (patch_end > window_start[np.minimum(owner, len(p) - 1)])
                return tags[inside], owner[inside], len(p), audible
            self.names.append(name)
            self.truth.append(truth)
            logs.append(np.log(p[audible] + FLOOR))
            track += [len(self.names) - 1] * int(audible.sum())
            patch_means.append(placed(yamnet))
            if small is not None:
                small_means.append(placed(small))
        self.truth = np.array(self.truth)
        self.track = np.array(track, int)
        self.log_p = np.concatenate(logs) if logs else np.zeros((0, 12))
        self._patches = patch_means
        self._small = small_means
        self._cache = {}

    def small_term(self):
        """[windows, 12]: the small CNN's mean log-probability per genre over its windows in each; 0 for speech, other."""
        return np.stack([self.group_term([g], small=True) for g in range(len(GENRES))] + [np.zeros(len(self.track))] * 2, 1)

    def group_term(self, classes, small=False):
        """[windows] mean log(sum of the classes' tags + 1e-7) over the window's patches; 0 where it has none."""
        key = (small, tuple(classes))
        if key not in self._cache:
            out = []
            for tags, owner, n, audible in (self._small if small else self._patches):
                s = np.log(tags[:, classes].sum(1) + FLOOR)
                total = np.bincount(owner, weights=s, minlength=n)
                count = np.bincount(owner, minlength=n)
                out.append(np.where(count > 0, total / np.maximum(count, 1), 0.0)[audible])
            self._cache[key] = np.concatenate(out) if out else np.zeros(0)
        return self._cache[key]

    def terms(self, groups):
        """[windows, 12]: the YAMNet term of each label (0 for an empty group)."""
        return np.stack([self.group_term(g) if g else np.zeros(len(self.track)) for g in groups], 1)


def fused_log_p(win, z, a, b, bias, u=0.0):
    s = bias + a * win.log_p + b * z
    if u:
        s = s + u * win.small_term()
    s -= s.max(1, keepdims=True)
    return s - np.log(np.exp(s).sum(1, keepdims=True))


def music_scores(win, log_p):
    top = log_p.argmax(1)
    window = float(np.mean(top == win.truth[win.track]))
    nonmusic = float(np.mean(top >= len(GENRES)))
    summed = np.zeros((len(win.names), len(GENRES)))
    np.add.at(summed, win.track, np.maximum(log_p[:, :len(GENRES)], math.log(1e-6)))
    right = summed.argmax(1) == win.truth
    per = [[] for _ in GENRES]
    for truth, r in zip(win.truth, right):
        per[truth].append(bool(r))
    for truth in win.empty_tracks:
        per[truth].append(False)
    tracks = len(win.names) + len(win.empty_tracks)
    correct = int(right.sum())
    return {"window": window, "nonmusic": nonmusic, "correct": correct, "tracks": tracks, "track": correct / tracks,
            "balanced": float(np.mean([np.mean(v) for v in per if v])), "per_genre": [(sum(v), len(v)) for v in per]}


def no_genre(win, log_p):
    return float(np.mean(log_p.argmax(1) >= len(GENRES)))


def wilson(k, n, z=1.96):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def class_indices(tag_labels, names):
    missing = [n for n in names if n not in tag_labels]
    if missing:
        raise SystemExit(f"not an AudioSet label of the YAMNet file: {missing}")
    return [tag_labels.index(n) for n in names]


def fit_per_genre(win, z, fit_a, l2=0.01):
    """Per-genre a_g, b_g, bias_g on train windows: the softmax over the ten genres, class-balanced
    as train_head.py is (train's genres are uneven: the biases must not learn its priors), L2 towards (1, 0, 0)."""
    x, zg, y = win.log_p[:, :10], z[:, :10], win.truth[win.track]
    counts = np.bincount(y, minlength=10)
    weight = (len(y) / (10 * np.maximum(counts, 1)))[y]

    def loss(theta):
        a = theta[:10] if fit_a else np.ones(10)
        b, c = theta[10:20], theta[20:30]
        s = c + a * x + b * zg
        m = s.max(1, keepdims=True)
        e = np.exp(s - m)
        total = e.sum(1, keepdims=True)
        lp = s - m - np.log(total)
        q = e / total
        onehot = np.eye(10)[y]
        n = len(y)
        g = (q - onehot) * weight[:, None] / n
        value = -(weight * lp[np.arange(n), y]).mean() + l2 * (np.sum((a - 1) ** 2) + np.sum(b ** 2) + np.sum(c ** 2))
        grad = np.concatenate([(g * x).sum(0) + 2 * l2 * (a - 1) if fit_a else np.zeros(10),
                               (g * zg).sum(0) + 2 * l2 * b, g.sum(0) + 2 * l2 * c])
        return value, grad

    theta = minimize(loss, np.concatenate([np.ones(10), np.zeros(20)]), jac=True, method="L-BFGS-B").x
    a = theta[:10] if fit_a else np.ones(10)
    return a, theta[10:20], theta[20:30]


def speech_other_settings(tag_labels):
    speech = class_indices(tag_labels, SPEECH_GROUP)
    for other_name, v, bs, bo in itertools.product(OTHER_GROUPS, SPEECH_WEIGHTS, BIASES, BIASES):
        other = class_indices(tag_labels, OTHER_GROUPS[other_name])
        yield {"other_group": other_name, "v": v, "bias_speech": bs, "bias_other": bo, "speech": speech, "other": other}


def evaluate(sets, groups, a_genre, b_genre, bias_genre, so, u=0.0):
    """Scores of one full setting on every set."""
    g = groups[:10] + [so["speech"], so["other"]]
    a = np.concatenate([a_genre, [1.0, 1.0]])
    b = np.concatenate([b_genre, [so["v"], so["v"] if so["other"] else 0.0]])
    bias = np.concatenate([bias_genre, [so["bias_speech"], so["bias_other"]]])
    out = {}
    for key in ("valid", "realworld"):
        out[key] = music_scores(sets[key], fused_log_p(sets[key], sets[key].terms(g), a, b, bias, u))
    out["heldout"] = no_genre(sets["heldout"], fused_log_p(sets["heldout"], sets["heldout"].terms(g), a, b, bias, u))
    return out, {"groups": g, "a": a, "b": b, "bias": bias}


def within_limits(r):
    return (r["valid"]["nonmusic"] <= LIMITS["valid_nonmusic"] and r["realworld"]["nonmusic"] <= LIMITS["realworld_nonmusic"]
            and r["heldout"] >= LIMITS["heldout_no_genre"])


def best_speech_other(sets, groups, a, b, bias, settings, u=0.0):
    """The speech/other setting within the non-music limits with the best valid window accuracy
    (or, if none is within them, the one nearest: largest margin)."""
    best = None
    for so in settings:
        r, full = evaluate(sets, groups, a, b, bias, so, u)
        ok = within_limits(r)
        # Within the limits: the best valid window accuracy, then the most margin (held-out non-music given
        # no genre, then the fewest music windows given speech/other), then the smaller settings.
        margin = r["heldout"] - r["valid"]["nonmusic"] - r["realworld"]["nonmusic"]
        key = (ok, r["valid"]["window"] if ok else margin, r["heldout"], -r["valid"]["nonmusic"] - r["realworld"]["nonmusic"],
               -abs(so["bias_speech"]) - abs(so["bias_other"]) - so["v"])
        if best is None or key > best[0]:
            best = (key, r, full, so)
    return best[1], best[2], best[3]


def row_text(label, r, so):
    v, w = r["valid"], r["realworld"]
    lo, hi = wilson(w["correct"], w["tracks"])
    per = " ".join(f"{g[:2]}{k}/{n}" for g, (k, n) in zip(GENRES, w["per_genre"]))
    return (f"{label:<34} valid {v['track']:.3f} ({v['correct']}/{v['tracks']}) bal {v['balanced']:.3f} win {v['window']:.3f} | "
            f"real {w['track']:.3f} ({w['correct']}/{w['tracks']}, {lo:.2f}-{hi:.2f}) bal {w['balanced']:.3f} [{per}] | "
            f"m->s/o {v['nonmusic']:.3f}/{w['nonmusic']:.3f} nm {r['heldout']:.3f} | so {so['other_group']} v{so['v']:g} "
            f"bs{so['bias_speech']:g} bo{so['bias_other']:g}")


def meets_targets(r):
    return (r["realworld"]["track"] >= 0.77 and r["valid"]["track"] >= 0.82 and within_limits(r)
            and min(k for k, _ in r["realworld"]["per_genre"]) >= 2)


def score_file(args):
    """A written fusion (chosen.json) on valid as other members' folders hold it (e.g. the u8_8k degrade)."""
    with open(args.score) as f:
        fusion = json.load(f)
    musicnn, yamnet = Member(args.runs, args.musicnn), Member(args.runs, args.yamnet)
    assert yamnet.meta["hop_frames"] == fusion["window_hop_frames"], "YAMNet rows at another hop than the fusion's"
    primary, secondary = fusion["terms"]
    win = Window(musicnn, yamnet, "valid")
    log_p = fused_log_p(win, win.terms(secondary["groups"]), np.array(primary["weights"]), np.array(secondary["weights"]),
                        np.array(fusion["bias"]))
    for label, lp in (("musicnn alone", np.log(np.exp(win.log_p) + 0)), (fusion["setting"], log_p)):
        r = music_scores(win, lp)
        print(f"valid ({args.musicnn}, {args.yamnet}) {label}: track {r['track']:.3f} ({r['correct']}/{r['tracks']}) "
              f"balanced {r['balanced']:.3f} window {r['window']:.3f} music->speech/other {r['nonmusic']:.3f}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hops", default="0.48,0.96", help="YAMNet patch hops: folders yamnet-<hop>")
    p.add_argument("--weights", default="0,0.25,0.5,0.75,1,1.25,1.5,2")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--runs", default=RUNS, help="where extract_members.py wrote")
    p.add_argument("--musicnn", default="musicnn")
    p.add_argument("--out", default=os.path.join(RUNS, "chosen.json"))
    p.add_argument("--table", default=os.path.join(RUNS, "table.txt"))
    p.add_argument("--score", default=None, help="only score this written fusion on valid (with --musicnn, --yamnet)")
    p.add_argument("--yamnet", default=None, help="with --score: the YAMNet folder")
    p.add_argument("--small", default=None, help="the small CNN's folder (a third member, its genre log-probabilities)")
    p.add_argument("--small-weights", default="0", help="with --small: its shared weights u to try")
    p.add_argument("--choose-hop", default="0.96",
                   help="the YAMNet hop the choice is made among (0.48 s runs YAMNet twice as often: 6.2 patches per "
                        "musicnn window instead of 3.1, past the CPU budget; every hop is still reported)")
    p.add_argument("--per-genre", action=argparse.BooleanOptionalAction, default=True,
                   help="also fit per-genre weights on train (without the small CNN)")
    args = p.parse_args()
    if args.score:
        return score_file(args)
    musicnn = Member(args.runs, args.musicnn)
    assert musicnn.labels == GENRES + ["speech", "other"], musicnn.labels
    results = []
    table = open(args.table, "w")

    def emit(text):
        print(text, flush=True)
        table.write(text + "\n")

    for hop in args.hops.split(","):
        yamnet = Member(args.runs, f"yamnet-{hop}")
        tag_labels = yamnet.labels
        small = Member(args.runs, args.small) if args.small else None
        sets = {"train": Window(musicnn, yamnet, "train", small=small), "valid": Window(musicnn, yamnet, "valid", small=small),
                "realworld": Window(musicnn, yamnet, "realworld", small=small)}
        heldout_set = Window(musicnn, yamnet, "nonmusic", keep=heldout, small=small)
        demo = Window(musicnn, yamnet, "demo", small=small)
        heldout_set.log_p = np.concatenate([heldout_set.log_p, demo.log_p])
        heldout_set.track = np.concatenate([heldout_set.track, demo.track + len(heldout_set.names)])
        heldout_set._patches += demo._patches
        heldout_set._small += demo._small
        sets["heldout"] = heldout_set
        settings = list(speech_other_settings(tag_labels))
        emit(f"== YAMNet hop {hop} s ({yamnet.meta['hop_frames']} frames): valid {len(sets['valid'].track)} windows, "
             f"real-world {len(sets['realworld'].track)}, held-out non-music {len(sets['heldout'].track)}")
        for variant in args.variants.split(","):
            names = {g: BASE_GROUPS[g] + VARIANTS[variant].get(g, []) for g in GENRES}
            groups = [class_indices(tag_labels, names[g]) for g in GENRES]
            candidates = [(f"shared w={w:g}" + (f" u={u:g}" if small else ""), np.ones(10), np.full(10, float(w)),
                           np.zeros(10), u)
                          for u in (map(float, args.small_weights.split(",")) if small else [0.0])
                          for w in map(float, args.weights.split(","))]
            z_train = sets["train"].terms(groups + [[], []])
            for fit_a in ((False, True) if args.per_genre else ()):
                a, b, c = fit_per_genre(sets["train"], z_train, fit_a)
                candidates.append((f"per-genre fit ({'a,b' if fit_a else 'b'})", a, b, c, 0.0))
            for label, a, b, bias, u in candidates:
                r, full, so = best_speech_other(sets, groups, a, b, bias, settings, u)
                full["u"] = u
                name = f"{hop} {variant} {label}"
                emit(row_text(name, r, so))
                results.append({"name": name, "hop": hop, "variant": variant, "label": label, "result": r, "full": full,
                                "so": so, "window_hop_frames": yamnet.meta["hop_frames"], "targets": meets_targets(r)})
            if variant == "base" and args.per_genre:
                emit(f"   per-genre b (train fit, a fixed): {' '.join(f'{g[:2]}{x:.2f}' for g, x in zip(GENRES, candidates[-2][2]))}")
    # The choice, at --choose-hop: the settings that meet every target if any; among them the most tracks
    # right on valid and real-world together; then the simpler (shared weight), the smaller weight.
    def rank(x):
        r = x["result"]
        return (x["targets"], r["valid"]["correct"] + r["realworld"]["correct"], x["label"].startswith("shared"),
                -float(x["full"]["b"][:10].mean()), float(x["hop"]))
    chosen = max((x for x in results if x["hop"] == args.choose_hop), key=rank)
    emit(f"chosen: {chosen['name']} (meets all targets: {chosen['targets']})")
    full = chosen["full"]
    fusion = {"terms": [{"member": "musicnn", "output": "genre", "score": "log_probability",
                         "weights": [round(float(x), 4) for x in full["a"]]},
                        {"member": "yamnet", "output": "tags", "score": "log_group_sum",
                         "groups": [list(map(int, g)) for g in full["groups"]],
                         "weights": [round(float(x), 4) for x in full["b"]]}],
              "bias": [round(float(x), 4) for x in full["bias"]], "window_hop_frames": chosen["window_hop_frames"],
              "small_window_hop_frames": small.meta["hop_frames"] if small else None,
              "setting": chosen["name"], "figures": chosen["result"]}
    if full["u"]:
        # The small CNN's genre probabilities as single-class groups: log(p_g), none for speech and other.
        fusion["terms"].append({"member": "small", "output": "genre", "score": "log_group_sum",
                                "groups": [[g] for g in range(len(GENRES))] + [[], []],
                                "weights": [full["u"]] * len(GENRES) + [0.0, 0.0]})
    with open(args.out, "w") as f:
        json.dump(fusion, f, indent=1)
    emit(f"wrote {args.out}")
    table.close()


if __name__ == "__main__":
    sys.exit(main())
