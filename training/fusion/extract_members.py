"""Per-window outputs of one fusion member, computed by the engine, for fit_fusion.py.

For every file of GTZAN train and valid (../shared/data/gtzan-audio), the real-world
songs (validation only) and all the real non-music clips (fit_fusion.py scores
only the half that training/musicnn/train_head.py does not fit on), runs

    genre-stream features FILE -o NAME.npy --model MODEL --outputs OUTPUT --level [--hop-seconds H]

and writes training/runs/fusion/<member>/<set>/<name>.npy, [windows, 1 + labels]:
the window's level (dBFS), then the output's values. Only whole windows are
written. With --silence-mask it also runs the model as a stream
(`genre-stream --output jsonl --smooth off`) and writes <name>.silent.npy, one
bool per window: the engine's silence and dead-air test, which `features` does
not apply, so that fit_fusion.py drops exactly the windows training/evaluation/evaluate_binary.py does
(and checks that both runs gave the same probabilities).
Names are backbone_features.py's (`blues.00029`, `speech__<stem>`, `rock__<stem>`);
files already written are skipped, so an interrupted run resumes.
Usage: python3 training/fusion/extract_members.py --member musicnn --model training/runs/genre-musicnn-train.gsm
           --output genre --silence-mask
       python3 training/fusion/extract_members.py --member yamnet-0.48 --binary PATH --model yamnet.gsm
           --output tags --hop-seconds 0.48
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from multiprocessing import Pool

import numpy as np

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import read_gsm  # noqa: E402
from training.common.paths import BINARY, DATA, RUNS  # noqa: E402
from training.musicnn.backbone_features import files_of  # noqa: E402

SETS = ["train", "valid", "realworld", "nonmusic", "demo"]
# evaluate_binary.py scores the LibriSpeech demo clip with the held-out non-music.
DEMO_SPEECH = ("speech__speech-librispeech_198-209-0000", os.path.join(DATA, "demo", "speech-librispeech_198-209-0000.ogg"))


def set_files(set_name):
    return [DEMO_SPEECH] if set_name == "demo" else files_of(set_name)


def degraded(path, degrade, tmp):
    """evaluate_binary.py's --degrade u8_8k: arecord's default U8 at 8 kHz, made with sox."""
    if degrade is None:
        return path
    wav = os.path.join(tmp, "x.wav")
    subprocess.run(["sox", path, "-r", "8000", "-e", "unsigned-integer", "-b", "8", "-c", "1", wav], check=True)
    return wav


def job(item):
    source, out, args = item
    with tempfile.TemporaryDirectory() as tmp:
        return write(degraded(source, args.degrade, tmp), out, args)


def write(path, out, args):
    try:
        if not os.path.exists(out):
            part = out + ".part.npy"
            subprocess.run([args.binary, "features", path, "-o", part, "--model", args.model, "--outputs", args.output,
                            "--level"] + (["--hop-seconds", str(args.hop_seconds)] if args.hop_seconds else []),
                           check=True, capture_output=True, text=True)
            os.replace(part, out)
        mask = out[:-4] + ".silent.npy"
        if args.silence_mask and not os.path.exists(mask):
            run = subprocess.run([args.binary, "--output", "jsonl", "--smooth", "off", "--model", args.model, path],
                                 check=True, capture_output=True, text=True)
            lines = [line for line in map(json.loads, run.stdout.splitlines()) if "probabilities" in line]
            values = np.load(out)
            # The stream also labels the input's last partial window (zero-padded); `features` writes whole windows only.
            if len(lines) == len(values) + 1:
                lines = lines[:-1]
            if len(lines) != len(values):
                return out, [f"{len(lines)} stream windows, {len(values)} feature windows"]
            for line, row in zip(lines, values):
                if line["probabilities"] is not None:
                    stream = np.array(list(line["probabilities"].values()))
                    if np.max(np.abs(stream - row[1:])) > 1e-4:
                        return out, [f"stream and features disagree at {line.get('end')}"]
            np.save(mask, np.array([line["probabilities"] is None for line in lines]))
        return out, None
    except subprocess.CalledProcessError as e:
        return out, (e.stderr or str(e)).strip().splitlines()[-1:] or [str(e)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--member", required=True, help="folder name under training/runs/fusion")
    p.add_argument("--model", required=True)
    p.add_argument("--output", required=True, help="the model output to write (genre, tags)")
    p.add_argument("--hop-seconds", type=float, default=None)
    p.add_argument("--silence-mask", action="store_true")
    p.add_argument("--degrade", default=None, choices=[None, "u8_8k"])
    p.add_argument("--sets", default=",".join(SETS))
    p.add_argument("--binary", default=BINARY)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args()
    base = os.path.join(RUNS, "fusion", args.member)
    os.makedirs(base, exist_ok=True)
    header, _ = read_gsm(args.model)
    frontend = header["frontend"]
    hop_frames = (round(args.hop_seconds * frontend["sample_rate"] / frontend["hop_length"]) if args.hop_seconds
                  else frontend["frames_per_window"])
    # What fit_fusion.py needs to place the rows in time: row k covers frames [k * hop_frames, k * hop_frames + frames_per_window).
    meta = {"model": args.model, "output": args.output, "degrade": args.degrade,
            "labels": next(o for o in header["outputs"] if o["name"] == args.output)["labels"],
            "sample_rate": frontend["sample_rate"], "hop_length": frontend["hop_length"],
            "frames_per_window": frontend["frames_per_window"], "hop_frames": min(max(1, hop_frames), frontend["frames_per_window"])}
    with open(os.path.join(base, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    items = []
    for set_name in args.sets.split(","):
        os.makedirs(os.path.join(base, set_name), exist_ok=True)
        items += [(path, os.path.join(base, set_name, name + ".npy"), args) for name, path in set_files(set_name)]
    print(f"{len(items)} files -> {base}", flush=True)
    failures = 0
    with Pool(args.jobs) as pool:
        for k, (out, error) in enumerate(pool.imap_unordered(job, items), 1):
            if error:
                failures += 1
                print(f"  failed {os.path.relpath(out, base)}: {error}", flush=True)
            if k % 100 == 0:
                print(f"  {k}/{len(items)}", flush=True)
    print(f"done, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
