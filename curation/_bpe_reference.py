"""Pure-Python reference of the GPT-2 byte-level BPE, used only by the tests (like tiktoken's
``_educational.py``): slow and obvious, so the C encoder in ``_bpe.c`` can be checked against it.

    >>> ref = ReferenceBPE.from_gpt2_files(pathlib.Path("curation/data/gpt2"))
    >>> ref.encode("Hello world")
    [15496, 995]

It splits text with the third-party ``regex`` module (installed with tiktoken) and the GPT-2
pattern, then merges each piece tiktoken's way: start from single bytes and repeatedly merge the
adjacent pair whose concatenation has the lowest rank (leftmost on ties), where ranks come from
``vocab.bpe``'s merge order (rank 0..255 are the single bytes in GPT-2's byte order). A piece that
is itself a token is emitted as that token without merging, as tiktoken does.
"""

from __future__ import annotations

import pathlib

from curation.tokenizer import GPT2_PAT_STR, _data_gym_byte_decoder


class ReferenceBPE:
    """Args:
    ranks: token bytes -> rank (= id for GPT-2).
    pat_str: the pre-tokenizer regex.
    """

    def __init__(self, ranks: dict[bytes, int], pat_str: str = GPT2_PAT_STR):
        import regex  # test-only dependency, comes with tiktoken

        self.ranks = ranks
        self.pattern = regex.compile(pat_str)

    @classmethod
    def from_gpt2_files(cls, directory: pathlib.Path) -> "ReferenceBPE":
        """Ranks rebuilt from ``vocab.bpe`` alone (the merge list), independent of encoder.json.

        Args:
            directory: folder with OpenAI's ``vocab.bpe``.
        """
        byte_of = _data_gym_byte_decoder()
        # rank order of the 256 single bytes: GPT-2's printable bytes first, then the rest
        order = [b for b in range(256) if chr(b).isprintable() and chr(b) != " "]
        order += [b for b in range(256) if b not in order]
        ranks = {bytes([b]): i for i, b in enumerate(order)}
        merges = (directory / "vocab.bpe").read_text(encoding="utf-8").split("\n")[1:-1]
        for line in merges:
            first, second = line.split()
            ranks[bytes(byte_of[c] for c in first) + bytes(byte_of[c] for c in second)] = len(ranks)
        return cls(ranks)

    def bpe(self, piece: bytes) -> list[int]:
        """Ids of one pre-tokenized piece."""
        if piece in self.ranks:
            return [self.ranks[piece]]
        parts = [piece[i : i + 1] for i in range(len(piece))]
        while len(parts) > 1:
            best, best_i = None, -1
            for i in range(len(parts) - 1):
                rank = self.ranks.get(parts[i] + parts[i + 1])
                if rank is not None and (best is None or rank < best):
                    best, best_i = rank, i
            if best is None:
                break
            parts[best_i : best_i + 2] = [parts[best_i] + parts[best_i + 1]]
        return [self.ranks[p] for p in parts]

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``; lone surrogates become U+FFFD as in tiktoken."""
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        ids: list[int] = []
        for piece in self.pattern.findall(text):
            ids.extend(self.bpe(piece.encode("utf-8")))
        return ids
