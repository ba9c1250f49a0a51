"""Decoding HTML bytes to text as browsers do: BOM, UTF-8, the declared charset, then detection.

Undecodable bytes are replaced, never fatal. Charset labels map to Python codecs the way the
WHATWG Encoding standard maps them (``iso-8859-1`` means cp1252, ``gb2312`` means gb18030, ...).

    text, codec = decode_html(body, declared="windows-1251")
"""

from __future__ import annotations

import codecs
import functools
import re

from charset_normalizer import from_bytes

_META_RE = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:()+-]{1,40})", re.I)
# Labels Python does not know, or knows as a narrower codec than the web means (WHATWG).
_LABELS = {"iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
           "us-ascii": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030",
           "x-gbk": "gb18030", "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "x-sjis": "cp932",
           "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "windows-31j": "cp932",
           "tis-620": "cp874", "iso-8859-11": "cp874", "iso-8859-9": "cp1254", "big5": "big5hkscs",
           "x-mac-roman": "mac_roman", "utf8": "utf-8", "unicode": "utf-16"}


@functools.lru_cache(maxsize=512)
def _codec(label: str | None) -> str | None:
    """Python codec name for a charset label, or None when unknown or not a text encoding."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        info = codecs.lookup(_LABELS.get(label, label))
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_html(body: bytes, declared: str | None = None, meta_scan_bytes: int = 4_096,
                detect_bytes: int = 16_384) -> tuple[str, str]:
    """Decode an HTML body; return ``(text, codec_used)``. Never raises.

    Order: BOM; strict UTF-8 (valid UTF-8 is UTF-8 whatever the label says, and ASCII decodes
    the same in every web charset); the declared charset (HTTP header), then ``<meta charset>``,
    each tried strictly; UTF-8 with replacement if either declared UTF-8; else charset-normalizer
    on a prefix (UTF-8 when it has no answer), with replacement.

    Args:
        body: the decoded (de-chunked, decompressed) payload.
        declared: the charset from the HTTP Content-Type, if any.
        meta_scan_bytes: prefix of the body searched for ``<meta charset>`` (browsers prescan
            1 KiB; pages often declare it later).
        detect_bytes: prefix given to charset-normalizer when nothing declared works (its cost
            grows with the input; a prefix suffices).
    """
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    if body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return body.decode("utf-16", "replace"), "utf-16"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        # A body cut short (WARC-Truncated) may end inside a multi-byte character.
        if e.end == len(body) and len(body) - e.start < 4:
            try:
                return body[:e.start].decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
    said_utf8 = False
    meta = _META_RE.search(body, 0, meta_scan_bytes)
    for label in (declared, meta and meta.group(1).decode("ascii", "replace")):
        codec = _codec(label)
        if codec == "utf-8":
            said_utf8 = True
        elif codec:
            try:
                return body.decode(codec), codec
            except (UnicodeDecodeError, UnicodeError):
                pass
    codec = "utf-8"
    if not said_utf8:
        best = from_bytes(body[:detect_bytes]).best()
        codec = (best and _codec(best.encoding)) or "utf-8"
    return body.decode(codec, "replace"), codec
