"""YAMNet's log-mel patches in numpy, for the converter's and the fixture script's own checks.

The settings are those of YAMNet's `params.py` / `features.py` (tensorflow/models,
research/audioset/yamnet), the same ones `Weights/yamnet.gsm` carries in its
frontend object: 16 kHz mono; frames of 400 samples (25 ms) every 160 (10 ms), no
centring, times a periodic Hann window of 400, zero-padded to a 512-point FFT;
magnitude (not power); 64 mel bands from 125 to 7500 Hz built as
`tf.signal.linear_to_mel_weight_matrix` (HTK mel, triangles in the mel domain, the
DC bin zeroed, no normalisation); `log(mel + 0.001)`; patches of 96 frames every
48. A separate check pins the engine's frontend to TensorFlow's; this one only
has to make realistic inputs for the network.
"""
import numpy as np
import soundfile
from scipy.signal import resample_poly

SAMPLE_RATE = 16000
WIN_LENGTH = 400
HOP_LENGTH = 160
N_FFT = 512
N_MELS = 64
FMIN, FMAX = 125.0, 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES = 96
PATCH_HOP_FRAMES = 48


def hertz_to_mel(f):
    """HTK mel, the scale tf.signal uses: 1127 ln(1 + f / 700)."""
    return 1127.0 * np.log1p(np.asarray(f, dtype=np.float64) / 700.0)


def mel_matrix(num_bins=N_FFT // 2 + 1, sample_rate=SAMPLE_RATE, n_mels=N_MELS, fmin=FMIN, fmax=FMAX):
    """[num_bins, n_mels]: tf.signal.linear_to_mel_weight_matrix's construction."""
    bins_mel = hertz_to_mel(np.linspace(0.0, sample_rate / 2.0, num_bins)[1:])[:, None]
    edges = np.linspace(hertz_to_mel(fmin), hertz_to_mel(fmax), n_mels + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.concatenate([np.zeros((1, n_mels)), weights]).astype(np.float32)


def load_mono_16k(path, max_seconds=None):
    """Decodes `path`, averages its channels and resamples to 16 kHz (polyphase)."""
    audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    if max_seconds is not None:
        audio = audio[:int(max_seconds * rate)]
    mono = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        g = np.gcd(int(rate), SAMPLE_RATE)
        mono = resample_poly(mono, SAMPLE_RATE // g, int(rate) // g).astype(np.float32)
    return mono


def log_mel_frames(samples):
    """[frames, 64] log-mel frames of 16 kHz samples (frame-major, band 0 lowest)."""
    count = 1 + (len(samples) - WIN_LENGTH) // HOP_LENGTH
    if count < 1:
        return np.zeros((0, N_MELS), np.float32)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN_LENGTH) / WIN_LENGTH)
    starts = np.arange(count)[:, None] * HOP_LENGTH + np.arange(WIN_LENGTH)[None, :]
    frames = samples.astype(np.float64)[starts] * window
    magnitude = np.abs(np.fft.rfft(frames, n=N_FFT, axis=1))
    return np.log(magnitude @ mel_matrix().astype(np.float64) + LOG_OFFSET).astype(np.float32)


def patches(frames):
    """[N, 96, 64] patches (YAMNet's layout, time by mel) every 48 frames."""
    starts = range(0, len(frames) - PATCH_FRAMES + 1, PATCH_HOP_FRAMES)
    return np.stack([frames[s:s + PATCH_FRAMES] for s in starts]) if len(starts) else \
        np.zeros((0, PATCH_FRAMES, N_MELS), np.float32)


def quantize(patch, scale, zero_point):
    """Float patches -> the uint8 grid the int8 model reads (round half to even, saturate)."""
    return np.clip(np.rint(patch / np.float32(scale)) + zero_point, 0, 255).astype(np.uint8)
