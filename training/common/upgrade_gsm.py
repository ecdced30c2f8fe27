"""Rewrites a version-1 model file as version 2 (Weights/FORMAT.md), tensors unchanged.

The graph, outputs and frontend are the version-2 form that the version-1 header
describes (`gsm_format.header_v1_to_v2`); tensors, their order and the metadata are
kept, so the network's outputs are bit-identical. A version-2 file is left alone.
Usage: python3 training/common/upgrade_gsm.py IN.gsm [OUT.gsm]   (OUT defaults to IN)
"""
import argparse
import os
import sys

# Run as a file (python3 training/PACKAGE/SCRIPT.py): `training.*` is imported from the repository root.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from training.common.gsm_format import header_v1_to_v2, read_gsm, read_gsm_version, write_gsm  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("out", nargs="?")
    args = p.parse_args()
    out = args.out or args.model
    if read_gsm_version(args.model) != 1:
        print(f"{args.model} is already version {read_gsm_version(args.model)}; nothing to do")
        return
    raw, tensors = read_gsm(args.model, upgrade=False)
    header = header_v1_to_v2(raw)
    ordered = {t["name"]: tensors[t["name"]] for t in raw["tensors"]}
    write_gsm(out, header["nodes"], ordered, frontend=header["frontend"], name=header["name"],
              metadata=header["metadata"], outputs=header["outputs"])
    print(f"wrote {out}: version 2, {len(header['nodes'])} nodes, {len(ordered)} tensors")


if __name__ == "__main__":
    main()
