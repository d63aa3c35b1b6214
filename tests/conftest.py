"Test isolation: notebooks run against a scratch base dir and offline wandb, never the user's ~/.cache/nanochat."
import os, tempfile

_tmp = tempfile.mkdtemp(prefix="nanochat-test-")
os.environ["NANOCHAT_BASE_DIR"] = os.path.join(_tmp, "base")
os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_DIR", os.path.join(_tmp, "wandb"))
os.environ.setdefault("MPLBACKEND", "Agg")
