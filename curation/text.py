"""Word splitting and the text statistics the quality filters share (Gopher, C4, FineWeb).

FineWeb's filters count *words* as datatrove's English word tokenizer cuts them: a blank spaCy
``en`` pipeline (``spacy.blank("en")``, datatrove ``utils/word_tokenizers.py``) with its
``sentencizer``. `split_words` reproduces that tokenisation with ``re`` and a small table of
special cases, so the project needs neither spaCy nor a model download:

    >>> split_words("Don't pay $5.50 for e-mail (see U.S. rules), it's 10km away...")
    ['Do', "n't", 'pay', '$', '5.50', 'for', 'e', '-', 'mail', '(', 'see', 'U.S.', 'rules', ')',
     ',', 'it', "'s", '10', 'km', 'away', '...']

How: split on whitespace; a chunk that is a special case (contractions such as ``don't`` ->
``do n't``, abbreviations such as ``Mr.``, ``e.g.``, emoticons) is replaced by its pieces;
otherwise prefixes (opening punctuation, quotes, currency, symbols) and suffixes (closing
punctuation, quotes, ``'s``, a unit after a number, a period after a lowercase letter, a digit,
punctuation or two capitals) are peeled off in turn, a URL is kept whole, and what is left is cut
at infixes (hyphens and ``/ : < > =`` between letters, ``,`` between letters, ``.`` between a
lowercase and an uppercase letter, ``+ - * ^`` between digits, ellipses, symbols); finally runs of
pieces that spell a special case are merged back (``z.B.`` -> ``z.`` ``B.``; ``):`` as in spaCy).

Known differences from spaCy (each changes a word count by one, so a filter decision flips only
for a document sitting exactly on a threshold): letters are Unicode letters (``str.isalpha``)
where spaCy lists Latin, Greek, Cyrillic and some Asian scripts (so Thai, Armenian, Georgian
letters count as letters here, and a hyphen between two CJK characters is not cut); symbols are
Unicode category ``So``. On the 1,295 non-empty trafilatura texts of the 1,301 real pages the
tokens are identical to spaCy 3.8's for 1,292 documents (1,275,567 vs 1,275,569 tokens; the rest
differ on CJK and Bengali hyphens) and the sentence counts for every C4 line, at ~6x its speed.

Run the tests with ``python -m pytest tests/curation/test_text.py``.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import re
import unicodedata
from typing import Any, Iterable, Mapping, Sequence

# ----------------------------------------------------------------------------------------------
# Character sets (datatrove ``utils/text.py``)

# Unicode sentence terminals; a FineWeb line "ends in punctuation" when it ends in one of these.
TERMINAL_PUNCTUATION = frozenset(
    "!.?\u0589\u061d\u061e\u061f\u06d4\u0700\u0701\u0702\u07f9\u0837\u0839\u083d\u083e\u0964"
    "\u0965\u104a\u104b\u1362\u1367\u1368\u166e\u1735\u1736\u17d4\u17d5\u17d6\u17d9\u17da\u1803"
    "\u1809\u1944\u1945\u1aa8\u1aa9\u1aaa\u1aab\u1b5a\u1b5b\u1b5e\u1b5f\u1b7d\u1b7e\u1c3b\u1c3c"
    "\u1c7e\u1c7f\u203c\u203d\u2047\u2048\u2049\u2e2e\u2e3c\u2e53\u2e54\u3002\ua4ff\ua60e\ua60f"
    "\ua6f3\ua6f7\ua876\ua877\ua8ce\ua8cf\ua92f\ua9c8\ua9c9\uaa5d\uaa5e\uaa5f\uaaf0\uaaf1\uabeb"
    "\ufe52\ufe56\ufe57\uff01\uff0e\uff1f\uff61\U00010a56\U00010a57\U00010f55\U00010f56"
    "\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87\U00010f88\U00010f89\U00011047\U00011048"
    "\U000110be\U000110bf\U000110c0\U000110c1\U00011141\U00011142\U00011143\U000111c5\U000111c6"
    "\U000111cd\U000111de\U000111df\U00011238\U00011239\U0001123b\U0001123c\U000112a9\U0001144b"
    "\U0001144c\U000115c2\U000115c3\U000115c9\U000115ca\U000115cb\U000115cc\U000115cd\U000115ce"
    "\U000115cf\U000115d0\U000115d1\U000115d2\U000115d3\U000115d4\U000115d5\U000115d6\U000115d7"
    "\U00011641\U00011642\U0001173c\U0001173d\U0001173e\U00011944\U00011946\U00011a42\U00011a43"
    "\U00011a9b\U00011a9c\U00011c41\U00011c42\U00011ef7\U00011ef8\U00011f43\U00011f44\U00016a6e"
    "\U00016a6f\U00016af5\U00016b37\U00016b38\U00016b44\U00016e98\U0001bc9f\U0001da88"
)
# A Gopher "symbol word" consists only of these (datatrove PUNCTUATION_SET, control chars included,
# TAB and LF excluded; the fullwidth digit "１" really is in datatrove's list).
PUNCTUATION = frozenset(
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
    + "".join(map(chr, [*range(0, 9), 11, 12, *range(13, 32), *range(127, 160)]))
) | TERMINAL_PUNCTUATION

# spaCy's sentencizer starts a new sentence after a token that is one of these: the terminals above
# less a few its (older) list lacks.
_SENT_END = TERMINAL_PUNCTUATION - frozenset(
    "\u061d\u061e\u0837\u0839\u083d\u083e\u17d4\u17d5\u17d6\u17d9\u17da\u1b7d\u1b7e\u2e53\u2e54"
    "\U00010f55\U00010f56\U00010f57\U00010f58\U00010f59\U00010f86\U00010f87\U00010f88"
    "\U00010f89\U00011944\U00011946\U00011ef7\U00011ef8\U00011f43\U00011f44\U00016e98")

# ----------------------------------------------------------------------------------------------
# Tokenizer tables (spaCy ``lang/char_classes.py``, ``lang/punctuation.py``, ``lang/en``)

_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧"
_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_UNITS = ("km² km³ km m² m³ m dm² dm³ dm cm² cm³ cm mm² mm³ mm ha µm nm yd in ft kg g mg µg t "
          "lb oz m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K % м/с км/ч км² км³ "
          "км м² м³ м дм² дм³ дм см² см³ см мм² мм³ мм нм кг г мг кПа Па мбар Кб КБ кб Мб МБ мб "
          "Гб ГБ гб Тб ТБ тб").split()
_HYPHENS = ["-", "–", "—", "--", "---", "——", "~"]  # in this order: the first that fits wins
_ABBREVIATIONS = (
    "'d a.m. Adm. Bros. co. Co. Corp. D.C. Dr. e.g. E.g. E.G. Gen. Gov. i.e. I.e. I.E. Inc. Jr. "
    "Ltd. Md. Messrs. Mo. Mont. Mr. Mrs. Ms. p.m. Ph.D. Prof. Rep. Rev. Sen. St. vs. v.s. Mt. Ak. "
    "Ala. Apr. Ariz. Ark. Aug. Calif. Colo. Conn. Dec. Del. Feb. Fla. Ga. Ia. Id. Ill. Ind. Jan. "
    "Jul. Jun. Kan. Kans. Ky. La. Mar. Mass. Mich. Minn. Miss. N.C. N.D. N.H. N.J. N.M. N.Y. Neb. "
    "Nebr. Nev. Nov. Oct. Okla. Ore. Pa. S.C. Sep. Sept. Tenn. Va. Wash. Wis. ' '' C++ \\\") "
    "ä. ö. ü. 'S 's ‘S ‘s and/or w/o 're 'Cause 'cause 'cos 'Cos 'coz 'Coz 'cuz 'Cuz 'bout "
    "ma'am Ma'am o'clock O'clock em 'em ll 'll nuff 'nuff <space> \\n \\t "
    "a. b. c. d. e. f. g. h. i. j. k. l. m. n. o. p. q. r. s. t. u. v. w. x. y. z. "
    "lovin lovin' Lovin Lovin' havin havin' Havin Havin' doin doin' Doin Doin' goin goin' Goin "
    "Goin' nothin nothin' Nothin Nothin' nuthin nuthin' Nuthin Nuthin' ol ol' Ol Ol' somethin "
    "somethin' Somethin Somethin'"
)
_EMOTICONS = (
    "(*_*) (-8 (-: (-; (-_-) (._.) (: (; (= (>_<) (^_^) (o: (¬_¬) (ಠ_ಠ) (╯°□°）╯︵┻━┻ )-: ): -_- "
    "-__- ._. 0.0 0.o 0_0 0_o 8) 8-) 8-D 8D :'( :') :'-( :'-) :( :(( :((( :() :) :)) :))) :* "
    ":-( :-(( :-((( :-) :-)) :-))) :-* :-/ :-0 :-3 :-> :-D :-O :-P :-X :-] :-o :-p :-x :-| :-} "
    ":/ :0 :1 :3 :> :D :O :P :X :] :o :o) :p :x :| :} ;) ;-) ;-D ;D ;_; <.< </3 <3 <33 <333 =( "
    "=) =/ =3 =D =[ =] =| >.< >.> >:( >:o ><(((*> @_@ O.O O.o O_O O_o V.V V_V XD XDD [-: [: [= "
    "]= ^_^ ^__^ ^___^ o.0 o.O o.o o_0 o_O o_o v.v v_v xD xDD ¯\\(ツ)/¯ ಠ_ಠ ಠ︵ಠ :’( :’) :’-( "
    ":’-) — ’ ’’"
)
# Words that look like contractions but are not split (spaCy en ``_exclude``).
_NOT_CONTRACTIONS = {"Ill", "ill", "Its", "its", "Hell", "hell", "Shell", "shell", "Shed", "shed",
                     "were", "Were", "Well", "well", "Whore", "whore"}


def _contractions() -> dict[str, tuple[str, ...]]:
    """spaCy's English contraction table: ``"don't" -> ("do", "n't")`` and friends."""
    exc: dict[str, tuple[str, ...]] = {}

    def add(base: str, *tails: str) -> None:
        for b in (base, base.title()):
            exc[b + "".join(tails)] = (b, *tails)
            bare = tuple(t.replace("'", "") for t in tails)
            exc[b + "".join(bare)] = (b, *bare)

    for b in ("i",):
        add(b, "'m"), add(b, "'m", "a")
    for b in ("i", "you", "he", "she", "it", "we", "they"):
        add(b, "'ll"), add(b, "'ll", "'ve"), add(b, "'d"), add(b, "'d", "'ve")
    for b in ("i", "you", "we", "they"):
        add(b, "'ve")
    for b in ("you", "we", "they"):
        add(b, "'re")
    for b in ("he", "she", "it"):
        add(b, "'s")
    for b in ("who", "what", "when", "where", "why", "how", "there", "that", "this", "these",
              "those"):
        add(b, "'ll"), add(b, "'ll", "'ve"), add(b, "'d"), add(b, "'d", "'ve")
        if b not in ("these", "those"):
            add(b, "'s")
        if b not in ("that", "this"):
            add(b, "'re"), add(b, "'ve")
    for b in ("ca", "could", "do", "does", "did", "had", "may", "might", "must", "need", "ought",
              "sha", "should", "wo", "would"):
        add(b, "n't"), add(b, "n't", "'ve")
    for b in ("could", "might", "must", "should", "would"):
        add(b, "'ve")
    for b in ("ai", "are", "is", "was", "were", "have", "has", "dare"):
        add(b, "n't")
    for h in range(1, 13):
        for p in ("a.m.", "am", "p.m.", "pm"):
            exc[f"{h}{p}"] = (str(h), p)
    for word, parts in (("y'all", ("y'", "all")), ("yall", ("y", "all")),
                        ("how'd'y", ("how", "'d", "'y")), ("How'd'y", ("How", "'d", "'y")),
                        ("not've", ("not", "'ve")), ("notve", ("not", "ve")),
                        ("Not've", ("Not", "'ve")), ("Notve", ("Not", "ve")),
                        ("cannot", ("can", "not")), ("Cannot", ("Can", "not")),
                        ("gonna", ("gon", "na")), ("Gonna", ("Gon", "na")),
                        ("gotta", ("got", "ta")), ("Gotta", ("Got", "ta")),
                        ("let's", ("let", "'s")), ("Let's", ("Let", "'s")),
                        ("c'mon", ("c'm", "on")), ("C'mon", ("C'm", "on"))):
        exc[word] = parts
    for word in _ABBREVIATIONS.split():
        exc[word] = (word,)
    for unit in "CFKcfk":
        exc[f"°{unit}."] = ("°", unit, ".")
    for word in _NOT_CONTRACTIONS:
        exc.pop(word, None)
    # every form with a straight apostrophe also exists with a curly one
    for word, parts in list(exc.items()):
        if "'" in word:
            exc.setdefault(word.replace("'", "’"), tuple(p.replace("'", "’") for p in parts))
    for word in _EMOTICONS.split():
        exc[word] = (word,)
    return exc


def _char_class(codepoints: list[int]) -> str:
    """A regex character class body for sorted code points, as ranges ``a-z``."""
    out, start = [], 0
    for i, cp in enumerate(codepoints):
        if i + 1 == len(codepoints) or codepoints[i + 1] != cp + 1:
            first = re.escape(chr(codepoints[start]))
            out.append(first if start == i else f"{first}-{re.escape(chr(cp))}")
            start = i + 1
    return "".join(out)


class _Tables:
    """Compiled regexes and the special-case table, built once per process on first use."""

    def __init__(self) -> None:
        lower, upper, alpha, icons = [], [], [], []
        for cp in range(0x30000):  # BMP, emoji and CJK extension planes
            c = chr(cp)
            if c.isalpha():
                alpha.append(cp)
                cased = c.islower() or c.isupper()
                if c.islower() or not cased:  # uncased scripts (CJK, Hebrew...) count as both
                    lower.append(cp)
                if c.isupper() or not cased:
                    upper.append(cp)
            elif unicodedata.category(c) == "So":
                icons.append(cp)
        a, al, au, ic = map(_char_class, (alpha, lower, upper, icons))
        q = re.escape(_QUOTES)
        singles = re.escape("§%=—–" + _PUNCT + _QUOTES + _CURRENCY)
        self.prefix = re.compile(rf"US\$|C\$|A\$|\.\.+|\+(?![0-9])|[{singles}{ic}]").match
        units = "|".join(map(re.escape, _UNITS))
        currency = "US\\$|C\\$|A\\$|[" + re.escape(_CURRENCY) + "]"
        after_dot = re.escape(_PUNCT + "|(?:)" + _QUOTES) + "%²\\-+"
        self.suffix = re.compile(
            rf"(?:[{re.escape(_PUNCT + _QUOTES + '—–')}{ic}]|……|\.\.+|['’][sS]|(?<=[0-9])\+"
            rf"|(?<=°[FfCcKk])\.|(?<=[0-9])(?:{currency})|(?<=[0-9])(?:{units})"
            rf"|(?<=[0-9{al}{after_dot}])\.|(?<=[{au}][{au}])\.)$").search
        hyphens = "|".join(map(re.escape, _HYPHENS))
        self.infix = re.compile(
            rf"\.\.+|…|[{ic}]|(?<=[0-9])[+\-*^](?=[0-9-])|(?<=[{al}{q}])\.(?=[{au}{q}])"
            rf"|(?<=[{a}]),(?=[{a}])|(?<=[{a}0-9])(?:{hyphens})(?=[{a}])"
            rf"|(?<=[{a}0-9])[:<>=/](?=[{a}])").finditer
        host = "[A-Za-z0-9\u00a1-\uffff]"
        self.url = re.compile(
            rf"(?:[\w+\-.]{{2,}}://)?(?:\S+(?::\S*)?@)?(?:"
            r"(?!(?:10|127)(?:\.\d{1,3}){3})(?!(?:169\.254|192\.168)(?:\.\d{1,3}){2})"
            r"(?!172\.(?:1[6-9]|2\d|3[0-1])(?:\.\d{1,3}){2})"
            r"(?:[1-9]\d?|1\d\d|2[01]\d|22[0-3])(?:\.(?:1?\d{1,2}|2[0-4]\d|25[0-5])){2}"
            r"(?:\.(?:[1-9]\d?|1\d\d|2[0-4]\d|25[0-4]))"
            rf"|(?:(?:{host}[A-Za-z0-9\u00a1-\uffff_-]{{0,62}})?{host}\.)+(?:[{al}]{{2,63}}))"
            r"(?::\d{2,5})?(?:[/?#]\S*)?$").match
        self.specials = _contractions()
        # Special cases that the affix rules would cut ("z." -> "z" "."): after a chunk is cut,
        # runs of its pieces that spell one of these are put back together (spaCy's
        # `_apply_special_cases`). `glued_heads` holds every leading substring, to stop early.
        self.glued: dict[str, tuple[str, ...]] = {}  # special case -> its pieces without it
        for k in self.specials:
            if self.prefix(k) or self.suffix(k) or any(self.infix(k)):
                pieces: list[str] = []
                _cut_chunk(k, self, pieces, {})
                self.glued[k] = tuple(pieces)
        self.glued_heads = {k[:i] for k in self.glued for i in range(1, len(k) + 1)}
        self.memo: dict[str, tuple[str, ...]] = {}


@functools.lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables()


def load_tables() -> None:
    """Build the word splitter's regexes and tables now (~0.2 s, once per process) rather than on
    the first document; filters call it from ``setup()``."""
    _tables()


def _split_chunk(s: str, t: _Tables, out: list[str]) -> None:
    """Tokenise one whitespace-free chunk into ``out`` (spaCy's affix loop, then infixes, then
    the re-merging of special cases)."""
    first = len(out)
    _cut_chunk(s, t, out, t.specials)
    if len(out) - first > 1:
        out[first:] = _reglue(out[first:], t)


def _reglue(pieces: list[str], t: _Tables) -> list[str]:
    """Merge runs of ``pieces`` that are a special case cut by the affix rules: longest runs first,
    then the earlier one; a run is taken only if neither its first nor its last piece was claimed
    by a run taken before it."""
    runs = []
    for i in range(len(pieces)):
        acc = pieces[i]
        for j in range(i + 1, len(pieces)):
            acc += pieces[j]
            if acc not in t.glued_heads:
                break
            if t.glued.get(acc) == tuple(pieces[i:j + 1]):
                runs.append((j + 1 - i, i, j + 1))
    if not runs:
        return pieces
    claimed: set[int] = set()
    chosen = {}
    for _, start, end in sorted(runs, key=lambda r: (-r[0], r[1])):
        if start not in claimed and end - 1 not in claimed:
            chosen[start] = end
        claimed.update(range(start, end))
    out, i = [], 0
    while i < len(pieces):
        if i in chosen:
            out.extend(t.specials["".join(pieces[i:chosen[i]])])
            i = chosen[i]
        else:
            out.append(pieces[i])
            i += 1
    return out


_DIGITS = frozenset("0123456789")
_APOSTROPHES = ("'", "’")


def _suffix_len(s: str, t: _Tables) -> int:
    """Length of the suffix spaCy would cut: the leftmost match ending the string. Every suffix
    is at most 4 characters except a run of dots, so only the tail is searched; a chunk ending in a
    digit, or in a letter with no digit or apostrophe just before, has none."""
    if not s:
        return 0
    last = s[-1]
    if last in _DIGITS or (last.isalpha() and s[-2:-1] not in _APOSTROPHES
                           and not any(c in _DIGITS for c in s[-6:-1])):
        return 0
    m = t.suffix(s, max(0, len(s) - 6))
    if m is None:
        return 0
    start = m.start()
    if s.startswith("..", start):
        while start and s[start - 1] == ".":
            start -= 1
    return len(s) - start


def _cut_chunk(s: str, t: _Tables, out: list[str], specials: Mapping[str, tuple[str, ...]]) -> None:
    prefixes: list[str] = []
    suffixes: list[str] = []
    last = -1
    while s and len(s) != last:
        if s in specials:
            break
        last = len(s)
        m = t.prefix(s)
        pre = m.end() if m else 0
        if pre and s[pre:] in specials:
            prefixes.append(s[:pre])
            s = s[pre:]
            break
        suf = _suffix_len(s[pre:] if pre else s, t)
        if suf and s[:-suf] in specials:
            suffixes.append(s[-suf:])
            s = s[:-suf]
            break
        if pre and suf and pre + suf <= len(s):
            prefixes.append(s[:pre])
            suffixes.append(s[-suf:])
            s = s[pre:-suf]
        elif pre:
            prefixes.append(s[:pre])
            s = s[pre:]
        elif suf:
            suffixes.append(s[-suf:])
            s = s[:-suf]
        if s in specials:
            break
    out.extend(prefixes)
    if s:
        if s in specials:
            out.extend(specials[s])
        elif t.url(s):
            out.append(s)
        else:
            start = 0
            for m in t.infix(s):
                if m.start() == 0:
                    continue
                if m.start() != start:
                    out.append(s[start:m.start()])
                if m.end() != m.start():
                    out.append(m.group())
                start = m.end()
            if start < len(s):
                out.append(s[start:])
    out.extend(reversed(suffixes))


def split_words(text: str) -> list[str]:
    """The words of ``text`` as datatrove's English word tokenizer (blank spaCy ``en``) cuts them:
    punctuation marks are words of their own, whitespace is dropped.

    Args:
        text: any text; newlines and other whitespace only separate words.
    """
    return list(_split_words_cached(text))


@functools.lru_cache(maxsize=4)  # Gopher repetition and quality split the same text in a row
def _split_words_cached(text: str) -> tuple[str, ...]:
    t = _tables()
    out: list[str] = []
    for chunk in text.split():
        out += _chunk_words(chunk, t)
    return tuple(out)


def _chunk_words(chunk: str, t: _Tables) -> tuple[str, ...]:
    """The words of one whitespace-free chunk, memoised (most chunks are common words)."""
    words = t.memo.get(chunk)
    if words is None:
        if chunk in t.specials:
            words = t.specials[chunk]
        elif chunk.isalpha():
            words = (chunk,)
        else:
            pieces: list[str] = []
            _split_chunk(chunk, t, pieces)
            words = tuple(pieces)
        if len(t.memo) >= _MEMO_SIZE:
            t.memo.clear()
        t.memo[chunk] = words
    return words


_MEMO_SIZE = 200_000  # chunks; ~30 MB at most
_RUNS = re.compile(r"(\s+)|\S+")


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in word)


def count_sentences(text: str) -> int:
    """How many sentences spaCy's ``sentencizer`` finds in ``text`` (datatrove
    ``split_into_sentences``): a sentence ends after a ``.``, ``!``, ``?`` (or another script's
    full stop) standing as a word of its own, once a word that is not punctuation follows.
    Whitespace other than one plain space is such a word for spaCy, so it counts here too.

    Args:
        text: one line or paragraph; an empty text counts as one sentence, as in datatrove.
    """
    t = _tables()
    n, seen_end = 1, False
    for m in _RUNS.finditer(text):
        space = m.group(1)
        if space is not None:
            if seen_end and space != " ":
                n, seen_end = n + 1, False
            continue
        for w in _chunk_words(m.group(), t):
            if w in _SENT_END:
                seen_end = True
            elif seen_end and not _is_punct(w):
                n, seen_end = n + 1, False
    return n


# ----------------------------------------------------------------------------------------------
# Repetition statistics (datatrove ``gopher_repetition_filter.py``)


def find_duplicates(items: Iterable[str]) -> tuple[int, int]:
    """``(n, chars)``: how many items repeat an earlier one, and their total length."""
    seen: set[str] = set()
    n = chars = 0
    for x in items:
        if x in seen:
            n += 1
            chars += len(x)
        else:
            seen.add(x)
    return n, chars


def top_ngram_chars(words: Sequence[str], n: int) -> int:
    """Characters covered by the most frequent word ``n``-gram: ``len(" ".join(gram)) * count``
    (the first one seen wins a tie, as ``Counter.most_common``); 0 with fewer than n words.
    """
    grams = collections.Counter(zip(*(words[i:] for i in range(n))))
    if not grams:
        return 0
    gram, freq = grams.most_common(1)[0]
    return (sum(map(len, gram)) + n - 1) * freq


def dup_ngram_chars(words: Sequence[str], ns: Iterable[int]) -> dict[int, int]:
    """For each ``n``: characters in word n-grams (joined WITHOUT spaces, as datatrove does) that
    repeat an earlier n-gram, skipping ahead ``n`` words after each repeat so that overlapping
    repeats are not counted twice.

    Args:
        words: the document's words.
        ns: the n-gram sizes, e.g. ``range(5, 11)``.
    """
    joined = "".join(words)
    offsets = [0, *itertools.accumulate(map(len, words))]  # n-gram i is joined[o[i]:o[i + n]]
    out = {}
    for n in ns:
        seen: set[str] = set()
        chars, i, last = 0, 0, len(words) - n + 1
        while i < last:
            gram = joined[offsets[i]:offsets[i + n]]
            if gram in seen:
                chars += len(gram)
                i += n
            else:
                seen.add(gram)
                i += 1
        out[n] = chars
    return out


# ----------------------------------------------------------------------------------------------
# Stored measurements


def stored(metadata: Mapping[str, Any], key: str, required: Iterable[str] = ()) -> dict | None:
    """The measurement dict a filter's ``annotate`` left under ``metadata[key]``, or None when it is
    missing, unreadable or lacks one of ``required``. Accepts the JSON string the Parquet writer
    stores dicts as.

    Args:
        metadata: a `Document`'s metadata.
        key: the filter's metadata key, e.g. ``"gopher_quality"``.
        required: measurement names the caller needs.
    """
    m = metadata.get(key)
    if isinstance(m, (str, bytes)):
        try:
            m = json.loads(m)
        except ValueError:
            return None
    if not isinstance(m, dict) or any(k not in m for k in required):
        return None
    return m
