"""Writes the fused default model (Weights/FORMAT.md, version 3): musicnn's genre
model and YAMNet on one stream, combined by the fusion that training/fusion/fit_fusion.py
chose (a JSON in the file's `fusion` form, plus YAMNet's patch hop).

  python3 training/fusion/build_fused_model.py --musicnn Weights/genre-musicnn.gsm \\
      --yamnet training/runs/yamnet.gsm --fusion training/runs/fusion/chosen.json \\
      --out Weights/genre-fusion.gsm

The members keep their own frontends and graphs; YAMNet's `window_hop_frames` (its
patch grid on the stream) is the fusion's choice.
"""
import argparse
import json
import os
import sys

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import read_gsm, write_gsm_fused  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--musicnn", required=True, help="the primary member: musicnn with its genre head (.gsm v2)")
    parser.add_argument("--yamnet", required=True, help="YAMNet as training/yamnet/convert_yamnet.py writes it")
    parser.add_argument("--fusion", required=True, help="the fusion JSON fit_fusion.py wrote")
    parser.add_argument("--name", default="genre-fusion")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    chosen = json.load(open(args.fusion))
    # As stored: YAMNet's int8 pointwise weights stay int8 in the fused file.
    musicnn, musicnn_tensors = read_gsm(args.musicnn, dequantize=False)
    yamnet, yamnet_tensors = read_gsm(args.yamnet, dequantize=False)
    yamnet["frontend"]["window_hop_frames"] = int(chosen.get("window_hop_frames", yamnet["frontend"]["frames_per_window"]))
    fusion = {"terms": chosen["terms"], "bias": chosen["bias"]}
    metadata = {f"musicnn.{k}": v for k, v in musicnn.get("metadata", {}).items()}
    metadata.update({f"yamnet.{k}": v for k, v in yamnet.get("metadata", {}).items()})
    metadata.update({k: v for k, v in chosen.get("metadata", {}).items()})
    metadata["built_by"] = "training/fusion/build_fused_model.py " + " ".join(sys.argv[1:])
    write_gsm_fused(args.out, args.name, [("musicnn", musicnn, musicnn_tensors), ("yamnet", yamnet, yamnet_tensors)],
                    fusion, metadata)
    print(f"wrote {args.out}: {os.path.getsize(args.out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
