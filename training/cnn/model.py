"""The genre CNN, built from a compact architecture string that maps 1:1 onto
the engine's layer list (Weights/FORMAT.md), so export is a rename plus BN folding.

Architecture string tokens, applied in order to the [1, 128, 39] window:
  c<N>      conv3x3 to N channels + batch-norm + ReLU (BN folded away on export)
  p<H>x<W>  maxpool, kernel = stride = [H, W], floor
  g         global average pool (exactly one, after every conv/pool)
  f<N>      dense to N features + ReLU (dropout before it while training)
The classifier (dense to the number of genres) and softmax are appended.
"""
import torch
from torch import nn

N_MELS = 128
DEFAULT_ARCH = "c16 p2x2 c32 p2x2 c64 p2x2 c128 p2x2 c256 g"
MAX_PARAMS = 1_000_000
MAX_MFLOP = 60.0


def parse_arch(arch):
    """Architecture string -> list of (kind, args) tuples."""
    tokens = []
    for tok in arch.split():
        if tok[0] == "c" or tok[0] == "f":
            tokens.append((tok[0], int(tok[1:])))
        elif tok[0] == "p":
            kh, kw = tok[1:].split("x")
            tokens.append(("p", (int(kh), int(kw))))
        elif tok == "g":
            tokens.append(("g", None))
        else:
            raise ValueError(f"unknown architecture token {tok!r} in {arch!r}")
    if [k for k, _ in tokens].count("g") != 1:
        raise ValueError(f"{arch!r}: needs exactly one global pool 'g'")
    return tokens


class GenreCNN(nn.Module):
    """Conv/BN/ReLU + maxpool feature stack, global average pool, dense head.

    `forward` takes standardised windows [B, 1, mels, frames] and returns logits;
    softmax is left to the loss here and to the engine's last layer on export.
    """

    def __init__(self, arch=DEFAULT_ARCH, classes=10, dropout=0.3):
        super().__init__()
        self.arch, self.classes = arch, classes
        features, head, channels, pooled = [], [], 1, False
        for kind, arg in parse_arch(arch):
            if kind == "c":
                if pooled:
                    raise ValueError("conv after the global pool")
                features += [nn.Conv2d(channels, arg, 3, padding=1, bias=False), nn.BatchNorm2d(arg), nn.ReLU()]
                channels = arg
            elif kind == "p":
                features.append(nn.MaxPool2d(arg))
            elif kind == "g":
                pooled = True
            elif kind == "f":
                head += [nn.Dropout(dropout), nn.Linear(channels, arg), nn.ReLU()]
                channels = arg
        head += [nn.Dropout(dropout), nn.Linear(channels, classes)]
        self.features = nn.Sequential(*features)
        self.head = nn.Sequential(*head)

    def forward(self, x):
        return self.head(self.features(x).mean(dim=(2, 3)))


def count_params(model):
    """Parameters the shipped (BN-folded) network has: conv weights + a bias per conv, dense layers."""
    total = 0
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            total += m.weight.numel() + m.out_channels
        elif isinstance(m, nn.Linear):
            total += m.weight.numel() + m.out_features
    return total


def count_mflop(arch, classes=10, frames=39, mels=N_MELS):
    """Multiply-adds x 2 for one window through the folded network (pool/ReLU/softmax not counted)."""
    h, w, channels, macs = mels, frames, 1, 0
    for kind, arg in parse_arch(arch):
        if kind == "c":
            macs += h * w * channels * arg * 9
            channels = arg
        elif kind == "p":
            h, w = h // arg[0], w // arg[1]
            if h == 0 or w == 0:
                raise ValueError(f"{arch!r}: pooling leaves an empty map")
        elif kind == "f":
            macs += channels * arg
            channels = arg
    macs += channels * classes
    return 2 * macs / 1e6


def check_budget(model):
    params, mflop = count_params(model), count_mflop(model.arch, model.classes)
    if params > MAX_PARAMS or mflop > MAX_MFLOP:
        raise ValueError(f"{model.arch!r}: {params} params / {mflop:.1f} MFLOP exceeds "
                         f"{MAX_PARAMS} / {MAX_MFLOP}")
    return params, mflop


if __name__ == "__main__":
    import sys
    for arch in sys.argv[1:] or [DEFAULT_ARCH]:
        m = GenreCNN(arch)
        print(f"{arch!r}: {count_params(m):,} params, {count_mflop(arch):.1f} MFLOP per window")
