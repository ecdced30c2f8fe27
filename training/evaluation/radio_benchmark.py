"""A realistic, hard radio stream through the genre-stream binary: songs of minutes back to
back, crossfades, talk breaks, jingles and a long one-genre stretch; per configuration of
the binary (raw labels, the old smoother, the new song-aware decisions), how right, how
steady and how quick the printed label is, and whether song boundaries are found.

The stream (22050 Hz mono float32, built deterministically from --seed, cached in
training/runs/; about 70-100 minutes):
- songs of 1.5 to 4 minutes, each of one genre, made of clips of that genre from the
  valid split (../shared/data/gtzan-audio/valid) and the real-world songs
  (../shared/data/realworld), both sources in every song where the genre has both
  (pop has real-world clips only): whole clips, or a 30-90 s excerpt of one longer
  than 90 s, each clip at most once in a song, the least used first; every genre
  appears in several songs;
- every clip and talk break brought to one RMS level, varied by up to +-2 dB per song,
  so that loudness does not give boundaries away;
- songs mostly back to back, about a third of those joins a 2-5 s linear crossfade;
- after about one song in three, a talk break: 5-90 s of held-out real speech
  (../shared/data/nonmusic, the clips the genre head was not fitted on, see
  talk_clips()) with 0.5 s of silence either side; lengths log-uniform (most breaks
  short, as on air) but four of 35-90 s for sure;
- ten short songs or jingles of 12-25 s (eight of 15 s or more), each a genre that
  differs from both neighbours;
- one stretch of 10 minutes of one genre: four songs of it back to back, so the
  stream has boundaries where the genre does not change.
The clip joins inside a song are not song boundaries, but they are cuts between
different recordings, so a boundary detector may fire there (the header counts them).

Truth: a window's truth is the segment under its midpoint: the song (its genre),
speech or silence. A crossfade's middle is the boundary between its two songs.
The truth segments are written to training/runs/radio-truth-seed<N>.json (a list of
{start, end, kind, genre}; music segments also carry song, short, crossfade, clips).

Metrics, per configuration (each a name and extra binary arguments, --configs), from
the window lines (the printed `label`) and the segment lines of one run:
- music acc: music windows whose label is the song's genre;
- changes/min: consecutive windows both inside one song with different labels, per
  minute of songs;
- delay med / p90: seconds from a song's start to the end of its first window
  labelled with its genre, median and 90th percentile over songs; never: songs with
  no window labelled right;
- bound P / R: boundary precision and recall within +-3 s. True boundaries: every song
  start but the stream's first (after talk too). Detected: the start of every music
  segment but the input's first segment. Matched one to one, closest pairs first;
- short own: short songs of 15 s or more shown as their own segment: a music segment
  with the short song's genre, more than half of it inside [start - 3 s, end + 3 s] of
  the short song, covering at least half of the short song;
- talk->genre: talk windows given a genre;
- music->nonmus: music windows given speech or other;
- carried>30s: talk breaks longer than 30 s between songs of different genres after
  which the first window of the new song still shows the genre of the song before.

Usage: python3 training/evaluation/radio_benchmark.py [--binary PATH] [--model NAME|PATH] [--seed 0]
           [--configs "raw=--smooth off;old=--smooth hmm;new="] [--markdown]
           [--dump-windows PATH] [--jobs 2]
Each configuration is one run of the binary (windows on stdout, segments through
--segments-file); both outputs are cached in training/runs/, keyed by the binary's
mtime, the arguments and the stream, so the table is re-printed without rerunning.
"""
import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import soundfile

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.paths import BINARY, DATA, REPO, RUNS  # noqa: E402
RATE = 22050
GENRES = "blues classical country disco hiphop jazz metal pop reggae rock".split()
NONMUSIC_LABELS = ("speech", "other", "silence")
DEFAULT_CONFIGS = "raw=--smooth off;old=--smooth hmm;new="

STREAM_VERSION = 1  # bump when the stream's recipe changes: it names the cached stream
MUSIC_RMS = 0.1  # -20 dBFS, a broadcast-like level for music and talk alike
SONG_LEVEL_DB = 2.0  # songs still differ a little in level, as on air
SONG_SECONDS = (90, 240)
LONG_CLIP_SECONDS = 90  # a longer real-world track gives an excerpt, not a whole song
EXCERPT_SECONDS = (30, 90)
MIN_PIECE_SECONDS = 8  # a song's last piece is never a blip of another recording
PIECE_FADE_SECONDS = 0.02  # against clicks at the cuts inside a song
REGULAR_SONGS_PER_GENRE = 2
EXTRA_REGULAR_SONGS = 2
STRETCH_SECONDS, STRETCH_SONGS = 600, 4
SHORT_SECONDS = [(15, 25)] * 8 + [(12, 15)] * 2
SHORT_COUNTED_SECONDS = 15
TALK_SECONDS, TALK_EVERY, LONG_TALK_SECONDS, LONG_TALKS = (5, 90), 3, 30, 4
TALK_SILENCE_SECONDS = 0.5
CROSSFADE_SECONDS, CROSSFADE_EVERY = (2, 5), 3
BOUNDARY_TOLERANCE = 3.0


# ---------------------------------------------------------------- audio

def decode(path):
    """Mono float32 at 22050 Hz: soundfile decodes, sox resamples where the rate differs."""
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if rate != RATE:
        mono = subprocess.run(["sox", "-t", "raw", "-e", "floating-point", "-b", "32", "-r", str(rate), "-c", "1", "-",
                               "-t", "raw", "-e", "floating-point", "-b", "32", "-r", str(RATE), "-", "rate", "-h"],
                              input=mono.astype("<f4").tobytes(), capture_output=True, check=True).stdout
        mono = np.frombuffer(mono, dtype="<f4")
    return np.ascontiguousarray(mono, dtype=np.float32)


def trim_quiet_ends(audio, frame=RATE // 20, floor_db=-40):
    """Drops leading and trailing frames 40 dB under the clip's level (a fade-out to
    digital silence would otherwise be a gap inside a song)."""
    frames = audio[:audio.size // frame * frame].reshape(-1, frame)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > np.sqrt((audio ** 2).mean()) * 10 ** (floor_db / 20))
    if loud.size == 0:
        return audio
    return audio[loud[0] * frame:(loud[-1] + 1) * frame]


def at_level(audio, rms):
    """`audio` scaled to `rms`, unless that would clip more than its rarest peaks (then
    quieter, as a limiter would leave it), and clipped to [-1, 1]."""
    gain = rms / (np.sqrt((audio ** 2).mean()) + 1e-9)
    gain = min(gain, 0.99 / (np.percentile(np.abs(audio), 99.99) + 1e-9))
    return np.clip(audio * gain, -1, 1).astype(np.float32)


def faded(audio, seconds=PIECE_FADE_SECONDS):
    n = min(int(seconds * RATE), audio.size // 2)
    ramp = np.linspace(0, 1, n, dtype=np.float32)
    audio = audio.copy()
    audio[:n] *= ramp
    audio[audio.size - n:] *= ramp[::-1]
    return audio


def talk_clips():
    base = os.path.join(DATA, "nonmusic")
    rows = [line.rstrip("\n").split("\t") for line in open(os.path.join(base, "labels.tsv"))][1:]
    clips = []
    for r in rows:
        name = r[1] + "__" + os.path.splitext(os.path.basename(r[0]))[0]
        held_out = int(hashlib.sha1(name.encode()).hexdigest()[:4], 16) % 2 == 1  # training/musicnn/train_head.py's eval half
        if r[1] == "speech" and held_out:
            clips.append(os.path.join(base, r[0]))
    return clips


# ---------------------------------------------------------------- the programme

@dataclass
class Clip:
    path: str
    genre: str
    source: str  # "valid" or "realworld"
    audio: np.ndarray
    uses: int = 0

    @property
    def seconds(self):
        return self.audio.size / RATE


@dataclass
class Item:
    """One entry of the programme: a song (genre set) or a talk break (genre None).
    `seconds` is the truth extent: a crossfade's halves are added to the audio."""
    seconds: float
    genre: str = None
    short: bool = False
    stretch: bool = False
    crossfade_in: float = 0.0
    crossfade_out: float = 0.0


def music_library():
    library = {g: [] for g in GENRES}
    for source, base in (("valid", os.path.join(DATA, "gtzan-audio", "valid")), ("realworld", os.path.join(DATA, "realworld"))):
        for genre in GENRES:
            folder = os.path.join(base, genre)
            for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                path = os.path.join(folder, name)
                library[genre].append(Clip(path, genre, source, trim_quiet_ends(decode(path))))
    return library


def material_seconds(clips):
    """What one song of the genre can hold, each clip once, a long one as a typical excerpt."""
    return sum(min(c.seconds, np.mean(EXCERPT_SECONDS)) if c.seconds > LONG_CLIP_SECONDS else c.seconds for c in clips)


def song_order(rng, genres):
    """`genres` shuffled so that no genre follows itself (the stretch is the one place for that)."""
    while True:
        order = [genres[i] for i in rng.permutation(len(genres))]
        if all(a != b for a, b in zip(order, order[1:])):
            return order


def plan_programme(rng, library):
    """The running order: songs, the stretch, shorts and talk breaks, with crossfades."""
    material = {g: material_seconds(c) for g, c in library.items()}
    regular = GENRES * REGULAR_SONGS_PER_GENRE + [str(g) for g in rng.choice(GENRES, EXTRA_REGULAR_SONGS, replace=False)]
    items = [Item(min(rng.uniform(*SONG_SECONDS), 0.9 * material[g]), g) for g in song_order(rng, regular)]
    add_stretch(rng, items, material)
    add_shorts(rng, items)
    add_talk(rng, items)
    add_crossfades(rng, items)
    return items


def add_stretch(rng, items, material):
    """Ten minutes of one well-stocked genre as several songs, between songs of other genres."""
    genre = str(rng.choice([g for g in GENRES if material[g] >= STRETCH_SECONDS]))
    shares = rng.uniform(0.75, 1.25, STRETCH_SONGS)
    places = [i for i in range(1, len(items)) if genre not in (items[i - 1].genre, items[i].genre)]
    at = int(rng.choice(places))
    items[at:at] = [Item(STRETCH_SECONDS * s / shares.sum(), genre, stretch=True) for s in shares]


def joins_outside_stretch(items):
    return [i for i in range(1, len(items)) if not (items[i - 1].stretch and items[i].stretch)]


def add_shorts(rng, items):
    """Short songs in distinct gaps, each unlike both neighbours, genres spread."""
    uses = {g: 0 for g in GENRES}
    gaps = rng.choice(joins_outside_stretch(items), len(SHORT_SECONDS), replace=False)
    for i, span in sorted(zip(gaps, SHORT_SECONDS), reverse=True):  # from the end: indices stay valid
        allowed = [g for g in GENRES if g not in (items[i - 1].genre, items[i].genre)]
        fewest = min(uses[g] for g in allowed)
        genre = str(rng.choice([g for g in allowed if uses[g] == fewest]))
        uses[genre] += 1
        items.insert(i, Item(rng.uniform(*span), genre, short=True))


def add_talk(rng, items):
    """A talk break in about one join in three, never inside the stretch."""
    talk_at = sorted(rng.choice(joins_outside_stretch(items), len(items) // TALK_EVERY, replace=False), reverse=True)
    # log-uniform: most breaks are short, as on air; a few are made long for sure
    seconds = np.exp(rng.uniform(*np.log(TALK_SECONDS), len(talk_at)))
    seconds[:LONG_TALKS] = rng.uniform(LONG_TALK_SECONDS + 5, TALK_SECONDS[1], LONG_TALKS)
    for i, s in zip(talk_at, rng.permutation(seconds)):
        items.insert(i, Item(s))


def add_crossfades(rng, items):
    back_to_back = [i for i in range(1, len(items)) if items[i - 1].genre and items[i].genre]
    for i in rng.choice(back_to_back, len(back_to_back) // CROSSFADE_EVERY, replace=False):
        items[i - 1].crossfade_out = items[i].crossfade_in = rng.uniform(*CROSSFADE_SECONDS)


# ---------------------------------------------------------------- rendering

def excerpt(rng, audio, seconds):
    n = min(int(seconds * RATE), audio.size)
    start = int(rng.integers(0, audio.size - n + 1))
    return audio[start:start + n]


def next_clip(rng, clips, used):
    """The clip to play next in a song (`used`: the clips it played so far): a source the
    song lacks where the genre has both, then the least used over the stream, then another
    source than the last piece's, ties drawn at random."""
    fresh = [c for c in clips if c.path not in {u.path for u in used}]
    if not fresh:
        return None
    sources, previous = {u.source for u in used}, used[-1].source if used else None
    keys = [(c.source in sources, c.uses, c.source == previous, rng.random()) for c in fresh]
    return fresh[min(range(len(fresh)), key=keys.__getitem__)]


def render_song(rng, library, item):
    """The song's audio (truth extent plus half of each crossfade) and its clips, as
    (seconds into the song, path)."""
    remaining = item.seconds + (item.crossfade_in + item.crossfade_out) / 2
    level = MUSIC_RMS * 10 ** (rng.uniform(-SONG_LEVEL_DB, SONG_LEVEL_DB) / 20)
    if item.short:
        return render_short(rng, library[item.genre], remaining, level)
    pieces, used, starts = [], [], []
    while remaining >= MIN_PIECE_SECONDS:
        clip = next_clip(rng, library[item.genre], used)
        if clip is None:
            break  # the genre's material is spent: the song ends a little early
        want = rng.uniform(*EXCERPT_SECONDS) if clip.seconds > LONG_CLIP_SECONDS else clip.seconds
        want = min(want, remaining)
        if remaining - want < MIN_PIECE_SECONDS:
            want = min(remaining, clip.seconds)
        starts.append(sum(p.size for p in pieces) / RATE)
        pieces.append(faded(at_level(excerpt(rng, clip.audio, want), level)))
        used.append(clip)
        clip.uses += 1
        remaining -= pieces[-1].size / RATE
    return np.concatenate(pieces), [(t, c.path) for t, c in zip(starts, used)]


def render_short(rng, clips, seconds, level):
    """A short song is one excerpt of one recording, the least used one long enough."""
    clips = [c for c in clips if c.seconds >= seconds]
    fewest = min(c.uses for c in clips)
    clip = clips[int(rng.choice([i for i, c in enumerate(clips) if c.uses == fewest]))]
    clip.uses += 1
    return faded(at_level(excerpt(rng, clip.audio, seconds), level)), [(0.0, clip.path)]


def render_talk(rng, clips, decoded, seconds):
    speech, order = [], rng.permutation(len(clips))
    while sum(s.size for s in speech) < seconds * RATE:
        path = clips[order[len(speech) % len(order)]]
        if path not in decoded:
            decoded[path] = trim_quiet_ends(decode(path))
        speech.append(decoded[path])
    return at_level(np.concatenate(speech)[:int(seconds * RATE)], MUSIC_RMS)


def build(seed):
    """The stream and its truth segments (seconds; see the module docstring)."""
    rng = np.random.default_rng(seed)
    library = music_library()
    items = plan_programme(rng, library)
    talk, decoded = talk_clips(), {}
    silence = np.zeros(int(TALK_SILENCE_SECONDS * RATE), np.float32)
    pieces, truth, at, song = [], [], 0, 0
    for item in items:
        if item.genre is None:
            for kind, audio in (("silence", silence), ("speech", render_talk(rng, talk, decoded, item.seconds)), ("silence", silence)):
                pieces.append(audio)
                truth.append({"start": at / RATE, "end": (at + audio.size) / RATE, "kind": kind, "genre": None})
                at += audio.size
            continue
        audio, clips = render_song(rng, library, item)
        overlap = int(item.crossfade_in * RATE)
        if overlap:
            ramp = np.linspace(0, 1, overlap, dtype=np.float32)
            pieces[-1][-overlap:] = pieces[-1][-overlap:] * ramp[::-1] + audio[:overlap] * ramp
            audio = audio[overlap:]
            at -= overlap
        start = at + overlap // 2
        if truth:
            truth[-1]["end"] = start / RATE
        truth.append({"start": start / RATE, "end": (at + overlap + audio.size) / RATE, "kind": "music",
                      "genre": item.genre, "song": song, "short": item.short, "stretch": item.stretch,
                      "crossfade": round(item.crossfade_in, 3),
                      "clips": [[round(at / RATE + t, 3), os.path.relpath(p, DATA)] for t, p in clips]})
        pieces.append(audio.copy())
        at += overlap + audio.size
        song += 1
    return np.concatenate(pieces), truth


def stream_paths(seed):
    return (os.path.join(RUNS, f"radio-stream-v{STREAM_VERSION}-seed{seed}.f32"),
            os.path.join(RUNS, f"radio-truth-seed{seed}.json"))


def cached_stream(seed):
    """The stream's raw float32 file and its truth segments, built once per seed."""
    stream_path, truth_path = stream_paths(seed)
    if not (os.path.exists(stream_path) and os.path.exists(truth_path)):
        os.makedirs(RUNS, exist_ok=True)
        print(f"building the stream for seed {seed} (once; cached in {os.path.relpath(RUNS, REPO)})", file=sys.stderr)
        stream, truth = build(seed)
        stream.astype("<f4").tofile(stream_path + ".part")
        with open(truth_path, "w") as f:  # one segment a line: greppable, diffable
            f.write("[\n" + ",\n".join(json.dumps(t) for t in truth) + "\n]\n")
        os.replace(stream_path + ".part", stream_path)
    with open(truth_path) as f:
        return stream_path, json.load(f)


# ---------------------------------------------------------------- the binary

def parse_configs(text):
    configs = []
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        name, _, extra = entry.partition("=")
        configs.append((name.strip(), shlex.split(extra)))
    return configs


def run_cached(binary, stream_path, args):
    """Window and segment lines of one run of the binary on the stream, from the cache
    when the same binary (by mtime) already ran with the same arguments on this stream."""
    key = json.dumps([os.path.realpath(binary), os.stat(binary).st_mtime_ns, args, os.path.basename(stream_path)])
    stem = os.path.join(RUNS, "radio-" + hashlib.sha1(key.encode()).hexdigest()[:16])
    windows_path, segments_path = stem + "-windows.jsonl", stem + "-segments.jsonl"
    if not (os.path.exists(windows_path) and os.path.exists(segments_path)):
        cmd = [binary, "-f", "FLOAT_LE", "-r", str(RATE), "-c", "1", "--output", "jsonl",
               "--segments-file", segments_path + ".part"] + args
        if os.path.exists(segments_path + ".part"):
            os.remove(segments_path + ".part")  # --segments-file appends
        with open(stream_path, "rb") as stdin, open(windows_path + ".part", "wb") as stdout:
            result = subprocess.run(cmd, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        if result.returncode != 0:
            raise RuntimeError(f"{shlex.join(cmd)} exited with {result.returncode}: {result.stderr.decode()[-2000:]}")
        os.replace(segments_path + ".part", segments_path)
        os.replace(windows_path + ".part", windows_path)
    return windows_path, segments_path


def read_jsonl(path, line_type=None):
    """The JSON lines of `path`; with `line_type`, only those of that "type" (or none)."""
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return [x for x in lines if line_type is None or x.get("type", line_type) == line_type]


# ---------------------------------------------------------------- scoring

def is_music_segment(segment):
    return segment.get("kind", "music") == "music" and segment["label"] not in NONMUSIC_LABELS


def truth_index(windows, truth):
    """Per window, the index of the truth segment under its midpoint."""
    starts = np.array([t["start"] for t in truth])
    mids = np.array([(w["start"] + w["end"]) / 2 for w in windows])
    return np.clip(np.searchsorted(starts, mids, side="right") - 1, 0, len(truth) - 1)


def talk_breaks(truth):
    """(song before, song after, seconds between them) for every break between two songs."""
    music = [i for i, t in enumerate(truth) if t["kind"] == "music"]
    return [(a, b, truth[b]["start"] - truth[a]["end"]) for a, b in zip(music, music[1:]) if b > a + 1]


def match_boundaries(true, detected, tolerance=BOUNDARY_TOLERANCE):
    """Matched pairs, one to one, closest first."""
    pairs = sorted((abs(t - d), i, j) for i, t in enumerate(true) for j, d in enumerate(detected) if abs(t - d) <= tolerance)
    used_true, used_detected = set(), set()
    for _, i, j in pairs:
        if i not in used_true and j not in used_detected:
            used_true.add(i)
            used_detected.add(j)
    return len(used_true)


def shown_as_own_segment(short, segments, tolerance=BOUNDARY_TOLERANCE):
    lo, hi = short["start"] - tolerance, short["end"] + tolerance
    for s in segments:
        if not is_music_segment(s) or s["label"] != short["genre"] or s["end"] <= s["start"]:
            continue
        inside = max(0.0, min(s["end"], hi) - max(s["start"], lo))
        covered = max(0.0, min(s["end"], short["end"]) - max(s["start"], short["start"]))
        if inside > (s["end"] - s["start"]) / 2 and covered >= (short["end"] - short["start"]) / 2:
            return True
    return False


def score(windows, segments, truth):
    labels = [w["label"] for w in windows]
    seg = truth_index(windows, truth)
    music = [i for i in range(len(windows)) if truth[seg[i]]["kind"] == "music"]
    talk = [i for i in range(len(windows)) if truth[seg[i]]["kind"] == "speech"]
    songs = [k for k, t in enumerate(truth) if t["kind"] == "music"]
    song_minutes = sum(truth[k]["end"] - truth[k]["start"] for k in songs) / 60

    changes = sum(1 for i, j in zip(music, music[1:]) if j == i + 1 and seg[i] == seg[j] and labels[i] != labels[j])
    first_right = {}
    for i in music:
        if labels[i] == truth[seg[i]]["genre"] and seg[i] not in first_right:
            first_right[seg[i]] = windows[i]["end"] - truth[seg[i]]["start"]
    delays = list(first_right.values())

    true_bounds = [truth[k]["start"] for k in songs[1:]]
    detected = [s["start"] for s in segments[1:] if is_music_segment(s)]
    matched = match_boundaries(true_bounds, detected)

    shorts = [truth[k] for k in songs if truth[k]["short"] and truth[k]["end"] - truth[k]["start"] >= SHORT_COUNTED_SECONDS]
    first_window = {}
    for i in music:
        first_window.setdefault(seg[i], i)
    long_breaks = [(a, b) for a, b, seconds in talk_breaks(truth) if seconds > LONG_TALK_SECONDS and truth[a]["genre"] != truth[b]["genre"]]
    carried = sum(1 for a, b in long_breaks if b in first_window and labels[first_window[b]] == truth[a]["genre"])

    return {"music_acc": np.mean([labels[i] == truth[seg[i]]["genre"] for i in music]),
            "changes_per_min": changes / song_minutes,
            "delay_median": float(np.median(delays)) if delays else float("nan"),
            "delay_p90": float(np.percentile(delays, 90)) if delays else float("nan"),
            "never": len(songs) - len(delays), "songs": len(songs),
            "precision": matched / len(detected) if detected else float("nan"),
            "recall": matched / len(true_bounds), "detected": len(detected),
            "short_own": sum(shown_as_own_segment(s, segments) for s in shorts), "shorts": len(shorts),
            "talk_given_genre": np.mean([labels[i] not in NONMUSIC_LABELS for i in talk]) if talk else float("nan"),
            "music_given_nonmusic": np.mean([labels[i] in ("speech", "other") for i in music]),
            "carried": carried, "long_breaks": len(long_breaks)}


# ---------------------------------------------------------------- report

def describe(truth):
    songs = [t for t in truth if t["kind"] == "music"]
    seconds = [t["end"] - t["start"] for t in songs]
    regular = [s for s, t in zip(seconds, songs) if not t["short"]]
    shorts = [s for s, t in zip(seconds, songs) if t["short"]]
    joins = [(a, b) for a, b in zip(truth, truth[1:]) if a["kind"] == b["kind"] == "music"]
    breaks = [s for _, _, s in talk_breaks(truth)]
    stretch = [t for t in songs if t.get("stretch")]
    clip_joins = sum(len(t["clips"]) - 1 for t in songs)
    return (f"stream: {truth[-1]['end'] / 60:.1f} min, {len(songs)} songs "
            f"({len(regular)} of {min(regular):.0f}-{max(regular):.0f} s, {len(shorts)} short of "
            f"{min(shorts):.0f}-{max(shorts):.0f} s, {sum(s >= SHORT_COUNTED_SECONDS for s in shorts)} of them >= "
            f"{SHORT_COUNTED_SECONDS} s); a {sum(t['end'] - t['start'] for t in stretch) / 60:.1f}-min stretch of "
            f"{stretch[0]['genre']} in {len(stretch)} songs\n"
            f"        {len(joins)} back-to-back joins ({sum(b['crossfade'] > 0 for _, b in joins)} crossfaded 2-5 s, "
            f"{sum(a['genre'] == b['genre'] for a, b in joins)} same genre); {len(breaks)} talk breaks of "
            f"{min(breaks):.0f}-{max(breaks):.0f} s ({sum(s > LONG_TALK_SECONDS for s in breaks)} over "
            f"{LONG_TALK_SECONDS} s); {clip_joins} clip joins inside songs (not boundaries)")


COLUMNS = [("config", "{}", 8), ("music acc", "{:.3f}", 9), ("changes/min", "{:.2f}", 11),
           ("delay med", "{:.1f}", 9), ("delay p90", "{:.1f}", 9), ("never", "{}", 7),
           ("bound P", "{:.3f}", 7), ("bound R", "{:.3f}", 7), ("short own", "{}", 9),
           ("talk->genre", "{:.3f}", 11), ("music->nonmus", "{:.3f}", 13), ("carried>30s", "{}", 11)]


def cells(name, s):
    values = [name, s["music_acc"], s["changes_per_min"], s["delay_median"], s["delay_p90"],
              f"{s['never']}/{s['songs']}", s["precision"], s["recall"], f"{s['short_own']}/{s['shorts']}",
              s["talk_given_genre"], s["music_given_nonmusic"], f"{s['carried']}/{s['long_breaks']}"]
    return [fmt.format(v) for (_, fmt, _), v in zip(COLUMNS, values)]


def table(results, markdown):
    if markdown:
        lines = ["| " + " | ".join(c for c, _, _ in COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
        lines += ["| " + " | ".join(cells(name, s)) + " |" for name, s in results]
    else:
        lines = ["  ".join(f"{c:>{w}s}" for c, _, w in COLUMNS)]
        lines += ["  ".join(f"{v:>{w}s}" for v, (_, _, w) in zip(cells(name, s), COLUMNS)) for name, s in results]
    return "\n".join(lines)


def dump_windows(path, binary, stream_path, extra, seed):
    """The --smooth off windows, and the truth beside them, for prototyping a smoother offline."""
    windows_path, _ = run_cached(binary, stream_path, extra + ["--smooth", "off"])
    with open(windows_path) as src, open(path, "w") as dst:
        dst.write(src.read())
    truth_copy = os.path.splitext(path)[0] + "-truth.json"
    with open(stream_paths(seed)[1]) as src, open(truth_copy, "w") as dst:
        dst.write(src.read())
    print(f"windows (--smooth off): {path}; truth segments: {truth_copy}", file=sys.stderr)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", default=BINARY, help="the genre-stream binary")
    p.add_argument("--model", default=None, help="passed to the binary as --model (a name or a .gsm path)")
    p.add_argument("--seed", type=int, default=0, help="the stream's seed")
    p.add_argument("--configs", default=DEFAULT_CONFIGS,
                   help="';'-separated name=extra binary arguments; an empty value is the binary's default")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--dump-windows", metavar="PATH", help="write the --smooth off window JSONL here, the truth beside it")
    p.add_argument("--jobs", type=int, default=2, help="runs of the binary at once")
    args = p.parse_args()

    stream_path, truth = cached_stream(args.seed)
    print(describe(truth))
    extra = ["--model", args.model] if args.model else []
    configs = parse_configs(args.configs)
    runs = list(dict.fromkeys(tuple(extra + c) for _, c in configs))  # a run shared by two names runs once
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = dict(zip(runs, pool.map(lambda a: run_cached(args.binary, stream_path, list(a)), runs)))
    outputs = [done[tuple(extra + c)] for _, c in configs]
    results = [(name, score(read_jsonl(w), read_jsonl(s, "segment"), truth)) for (name, _), (w, s) in zip(configs, outputs)]
    print(table(results, args.markdown))
    for (name, config_args), (w, _) in zip(configs, outputs):
        print(f"  {name}: {shlex.join(config_args) or '(default)'} -> {os.path.relpath(w, REPO)}", file=sys.stderr)
    if args.dump_windows:
        dump_windows(args.dump_windows, args.binary, stream_path, extra, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
