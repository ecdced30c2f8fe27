"""Trains the genre CNN from scratch on the decoded GTZAN mel set and exports it.

One command, seeded, CPU only:
    python3 training/cnn/train.py            # from the repository root
writes training/runs/<run>/ (log, checkpoints) and, unless --no-export,
Weights/genre-cnn.gsm and Weights/genre-cnn.onnx via export_model.py.

Fits on the `train` split only; the `valid` split is scored with the weight
average (EMA) at every evaluation and picks the exported checkpoint.
"""
import argparse
import copy
import json
import os
import shlex
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.cnn.augment import training_batch  # noqa: E402
from training.cnn.mel_data import DEFAULT_NPZ, WINDOW_FRAMES, load_split  # noqa: E402
from training.cnn.metrics import scores, window_log_probs  # noqa: E402
from training.cnn.model import DEFAULT_ARCH, GenreCNN, check_budget  # noqa: E402
from training.common.paths import REPO, RUNS  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--npz", default=os.path.join(REPO, DEFAULT_NPZ), help="decoded mel set (.npz)")
    p.add_argument("--arch", default=DEFAULT_ARCH, help="architecture string, see model.py")
    p.add_argument("--steps", type=int, default=16000, help="optimiser steps (batches)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=3e-3, help="OneCycle peak learning rate (AdamW)")
    p.add_argument("--wd", type=float, default=0.02, help="AdamW weight decay")
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--label-smoothing", type=float, default=0.05)
    p.add_argument("--ema", type=float, default=0.998, help="EMA decay of the evaluated/exported weights")
    p.add_argument("--mixup", type=float, default=0.4, help="Beta(alpha, alpha) mixup; 0 turns it off")
    p.add_argument("--stretch", type=float, default=0.12, help="max relative time stretch of a crop")
    p.add_argument("--freq-shift", type=float, default=1.5, help="max mel-band shift of a crop")
    p.add_argument("--no-eq", dest="eq", action="store_false", help="no random tilt / EQ curve")
    p.add_argument("--no-masks", dest="masks", action="store_false", help="no SpecAugment masks")
    p.add_argument("--eval-every", type=int, default=1000, help="steps between valid evaluations")
    p.add_argument("--eval-stride", type=int, default=WINDOW_FRAMES, help="valid window hop in columns")
    p.add_argument("--select", choices=["best", "last"], default="best",
                   help="export the best valid checkpoint (mean of window and track accuracy) or the last")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--run", default=None, help="run name under training/runs/ (default: time stamp)")
    p.add_argument("--resume", action="store_true", help="continue from runs/<run>/last.pt")
    p.add_argument("--no-export", dest="export", action="store_false")
    p.add_argument("--gsm", default=os.path.join(REPO, "Weights", "genre-cnn.gsm"))
    p.add_argument("--onnx", default=os.path.join(REPO, "Weights", "genre-cnn.onnx"))
    return p.parse_args(argv)


@torch.no_grad()
def update_ema(ema, model, decay):
    for e, m in zip(ema.state_dict().values(), model.state_dict().values()):
        if e.dtype.is_floating_point:
            e.mul_(decay).add_(m, alpha=1 - decay)
        else:
            e.copy_(m)


def evaluate(model, valid, stride):
    model.eval()
    per_track = window_log_probs(model, valid, stride)
    s = scores(per_track, valid.labels.numpy(), len(valid.genres))
    return {k: v for k, v in s.items() if not hasattr(v, "shape")}


def save(path, **state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # a killed run never leaves a half-written checkpoint


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    run = args.run or time.strftime("%Y%m%d-%H%M%S")
    run_dir = os.path.join(RUNS, run)
    os.makedirs(run_dir, exist_ok=True)
    log = open(os.path.join(run_dir, "log.jsonl"), "a")

    train, valid = load_split(args.npz, "train"), load_split(args.npz, "valid")
    classes = len(train.genres)
    model = GenreCNN(args.arch, classes, args.dropout)
    params, mflop = check_budget(model)
    ema = copy.deepcopy(model)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.25)
    aug = {"stretch": args.stretch, "freq_shift": args.freq_shift, "eq": args.eq, "masks": args.masks,
           "mixup": args.mixup}
    step, best, elapsed_before = 0, -1.0, 0.0
    last_path, best_path = os.path.join(run_dir, "last.pt"), os.path.join(run_dir, "best.pt")
    if args.resume and os.path.exists(last_path):
        ck = torch.load(last_path, weights_only=False)
        model.load_state_dict(ck["model"]), ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"]), sched.load_state_dict(ck["sched"])
        torch.set_rng_state(ck["rng"])
        step, best, elapsed_before = ck["step"], ck["best"], ck["elapsed"]
    print(f"run {run}: {len(train.ids)} train / {len(valid.ids)} valid tracks, arch {args.arch!r}, "
          f"{params:,} params, {mflop:.1f} MFLOP/window, {args.steps} steps of {args.batch}", flush=True)

    t0, loss_sum, loss_n = time.time(), 0.0, 0
    while step < args.steps:
        model.train()
        pick = torch.randint(len(train.ids), (args.batch,))
        x, target = training_batch(train.db[pick], train.labels[pick], classes, aug)
        if args.label_smoothing:
            target = target * (1 - args.label_smoothing) + args.label_smoothing / classes
        loss = torch.sum(-target * F.log_softmax(model(x), dim=1), dim=1).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        # Early on the average would drag in the random initialisation; warm it up.
        update_ema(ema, model, min(args.ema, (1 + step) / (10 + step)))
        loss_sum, loss_n = loss_sum + loss.item(), loss_n + 1
        if step % args.eval_every == 0 or step == args.steps:
            s = evaluate(ema, valid, args.eval_stride)
            score = (s["window_acc"] + s["track_acc"]) / 2
            elapsed = elapsed_before + time.time() - t0
            entry = {"step": step, "train_loss": loss_sum / loss_n, "lr": sched.get_last_lr()[0],
                     "elapsed_s": round(elapsed, 1), **s}
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(f"step {step:6d}  {elapsed / 60:5.1f} min  loss {loss_sum / loss_n:.3f}  valid window "
                  f"{s['window_acc']:.3f} track {s['track_acc']:.3f} balanced {s['track_balanced_acc']:.3f}",
                  flush=True)
            loss_sum, loss_n = 0.0, 0
            meta = {"arch": args.arch, "classes": classes, "genres": train.genres, "step": step,
                    "valid": s, "args": vars(args), "elapsed_s": elapsed,
                    "command": "python3 training/cnn/train.py " + shlex.join(sys.argv[1:] if argv is None else argv)}
            if score > best:
                best = score
                save(best_path, ema=ema.state_dict(), meta=meta)
            save(last_path, model=model.state_dict(), ema=ema.state_dict(), opt=opt.state_dict(),
                 sched=sched.state_dict(), rng=torch.get_rng_state(), step=step, best=best,
                 elapsed=elapsed, meta=meta)
    wall = elapsed_before + time.time() - t0
    print(f"trained {step} steps in {wall / 60:.1f} min", flush=True)

    if args.export:
        from training.cnn.export_model import export
        chosen = best_path if args.select == "best" else last_path
        export(chosen, args.gsm, args.onnx, extra_metadata={"training_wall_min": f"{wall / 60:.1f}"})


if __name__ == "__main__":
    main()
