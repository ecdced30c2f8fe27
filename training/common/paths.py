"""Where the scripts' defaults point, from the repository root, so that they do not
depend on the folder a script sits in or the directory it is run from."""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAINING = os.path.join(REPO, "training")
RUNS = os.path.join(TRAINING, "runs")  # git-ignored: logs, checkpoints, cached features and streams
WEIGHTS = os.path.join(REPO, "Weights")
FIXTURES = os.path.join(REPO, "Tests", "EngineTests", "Fixtures")
DATA = os.path.join(os.path.dirname(REPO), "shared", "data")  # ../shared/data beside the checkout
BINARY = os.path.join(REPO, ".build", "release", "genre-stream")
