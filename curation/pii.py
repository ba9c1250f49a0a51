"""PII scrubbing: e-mail addresses, public IP addresses, phone numbers and payment card numbers.

FineWeb (datatrove's `PIIFormatter`) replaces e-mail addresses and public IPv4 addresses; we do
that, plus IPv6, phone numbers and Luhn-valid card numbers. Each detection is replaced by a
stable placeholder, the same for every match of its type, so a run is deterministic on every
worker (datatrove cycles through a list of replacements, which depends on document order)::

    "Mail jo.doe@gmail.com or call +44 20 7946 0958, server 84.12.3.4"
 -> "Mail email@example.com or call 555-0100, server 192.0.2.1"

The placeholders look like the values they replace (a model trained on the output sees ordinary
text, not ``<EMAIL>`` tags) and are reserved for examples: RFC 2606 ``example.com``, the RFC 5737
/ RFC 3849 documentation IP ranges, NANP's fictional 555-0100, an all-zero card. The detectors
never match them (addresses at example.com/.net/.org are documentation, not PII; the phone
placeholder is skipped verbatim), so scrubbing twice changes nothing.

How each type is found (every regex runs in linear time: bounded, unambiguous repetitions and a
lookbehind that stops a match from starting inside a word or a number):
- email: ``local@domain.tld`` with the practical local-part alphabet ``[A-Za-z0-9._%+-]``;
  skips ``logo@2x.png`` style file names and RFC 2606's example.com/.net/.org.
- ip: IPv4 dotted quads and IPv6 candidates, parsed by `ipaddress` and kept only when
  ``is_global`` (never private, loopback, link-local, reserved, multicast or documentation
  ranges; compressed IPv6 only inside 2000::/3, the global unicast block), and not
  when they read as a version number ("version 1.2.3.4", "v2.0.0.1", "Firefox/3.6.0.1").
- credit_card: 12-19 digits, optionally in groups of 4 (or Amex/Diners 4-6-5/4-6-4) split by one
  kind of separator (space or dash), Luhn-valid. 14-16 digits with an issuer prefix (IIN) that
  issues that length count alone; other lengths, or a bank-card industry digit (1-6) without a
  known issuer, need a card word ("card", "visa", "cc", ...) just before.
- phone: digit groups with one kind of separator, 7-15 digits (E.164). Unmistakable formats
  count alone: ``+CC ...``, ``00CC ...``, NANP ``(415) 555-2671`` / ``415-555-2671``, trunk-0
  national numbers ``020 7946 0958`` / ``01.84.17.61.18``, a parenthesised area code. Any other
  digit group ("467 3395", "9498777106") needs a phone word before it ("Phone:", "call me on")
  or a label after it ("... office"). Dates, year ranges, ISBNs, SSN-shaped numbers, prices,
  thousands and decimals are never phones.

Usage::

    from curation.pii import PiiConfig, PiiScrubber
    scrubber = PiiScrubber(PiiConfig())
    scrubber.scrub("write to jo@mail.org")           # 'write to email@example.com'
    doc = scrubber.scrub_document(doc, count)       # doc.metadata["pii"] == {"email": 1}

Counters (through the injectable ``count(name, n)``): ``email``, ``ip``, ``phone``,
``credit_card`` (replacements made) and ``docs_changed``. Precision/recall and speed:
``python bench/pii.py`` (results in bench/README-pii.md).
"""

from __future__ import annotations

import bisect
import dataclasses
import ipaddress
import re
import string
from typing import NamedTuple

from curation.document import Count, Document, no_count

TYPES = ("email", "ip", "credit_card", "phone")  # also the priority order when spans overlap


@dataclasses.dataclass(frozen=True)
class PiiConfig:
    """What to scrub and what to put in its place.

    Args:
        email: replace e-mail addresses.
        ip: replace public (``is_global``) IPv4 and IPv6 addresses.
        phone: replace phone numbers.
        credit_card: replace Luhn-valid payment card numbers.
        email_replacement: the text every e-mail address becomes.
        ipv4_replacement: the text every public IPv4 address becomes.
        ipv6_replacement: the text every public IPv6 address becomes.
        phone_replacement: the text every phone number becomes.
        credit_card_replacement: the text every card number becomes.
        context_chars: how many characters before a number are searched for a cue word.
    """

    email: bool = True
    ip: bool = True
    phone: bool = True
    credit_card: bool = True
    email_replacement: str = "email@example.com"  # RFC 2606 reserved domain, FineWeb's choice
    ipv4_replacement: str = "192.0.2.1"  # RFC 5737 TEST-NET-1: not global, so never re-matched
    ipv6_replacement: str = "2001:db8::1"  # RFC 3849 documentation prefix, not global either
    phone_replacement: str = "555-0100"  # NANP reserves 555-0100..0199 for fiction
    credit_card_replacement: str = "0000 0000 0000 0000"  # no issuer starts with 0
    context_chars: int = 40  # fits "Mobile: ", "call me on ", "my credit card number is "


class Span(NamedTuple):
    """One detection: its type (one of `TYPES`) covers ``text[start:end]``."""

    type: str
    start: int
    end: int


# ----------------------------------------------------------------------------------------------
# Patterns (strings here; compiled once per PiiScrubber, never at import time)

# Every pattern starts with a character class, so the regex engine skips ahead to candidate
# characters at C speed; the "not glued to a word or number" lookbehind comes after the first
# character (a leading lookbehind makes it try every position: 4-5x slower on English text).
_EMAIL_LOCAL = r"[A-Za-z0-9._%+-]{1,64}\Z"  # searched just before an "@" (RFC 5321: <= 64)
_EMAIL_DOMAIN = r"""
(?:[A-Za-z0-9-]{1,63}\.){1,10}[A-Za-z]{2,63}   # labels, then an alphabetic TLD
(?![A-Za-z0-9-]|\.[A-Za-z0-9])
"""
_IPV4 = r"[0-9](?<![\w.].)[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?!\w|\.[0-9])"  # ipaddress validates
_IPV6 = r"[0-9A-Fa-f:](?<![\w:.].)[0-9A-Fa-f:]{1,38}(?![\w:]|\.\w)"  # ipaddress validates
_IPV6_HINT = r":[0-9A-Fa-f]{0,4}:"  # every IPv6 address has one; the full pattern runs only there
_CARD = r"[0-9](?<![\w.+/-].)(?:[ -]?[0-9]){11,18}(?!\w|[.,/-][0-9])"
_PHONE = r"""
[0-9+(](?<![\w+./#$€£¥-].)                        # first character, not glued to a word/number
(?:(?<=\+)[0-9]{1,3}[ .-]?(?:\(0\)[ .-]?)?       # +CC and an optional (0) trunk digit,
   (?:\([0-9]{1,5}\)[ .-]?)?[0-9]{1,15}            #   (area code), first group
  |(?<=\()[0-9]{1,5}\)[ .-]?[0-9]{1,15}              # (area code), first group
  |(?<=[0-9])[0-9]{0,14})                           # first group
(?:[ .-][0-9]{1,15}){0,6}                           # more groups, one separator between each
(?:[ ]?(?:x|ext\.?)[ ]?[0-9]{1,6})?                 # extension
(?![\w+]|[.,/-]?[0-9])
"""
_PHONE_PREFIX = r"\+[0-9]{1,3}[ .-]?(?:\(0\)[ .-]?)?|00[1-9][0-9]{0,2}[ .-]"  # +41 (0) / 001-
_PHONE_EXT = r"\s?(?:x|ext\.?)\s?[0-9]+$"

# An IP is a version number after a version word ("version 1.2.3.4", "v 2.0.0.1") or in a
# user-agent token ("Firefox/3.6.0.1"), or before a pre-release tag ("1.2.3.4-beta").
_VERSION_BEFORE = r"""(?ix)(?:\b(?:v|vers?|versions?|release[sd]?|rel|build|firmware|fw|updates?
  |upgrades?|patch(?:es)?|rev|revision|edition|kernel|driver|section|chapter|figure|table
  |step|§)\b[^A-Za-z\n]{0,12}|[A-Za-z]/)$"""
# "1.2.1.9" is far more often a section number than an address: all-single-digit IPv4s need
# one of these words just before them.
_IP_CUES = (r"(?i)\b(?:ip|ips|ipv4|address(?:es)?|addr|server|host(?:name)?|dns|gateway|proxy|ping"
            r"|router|client|connect(?:ed|ing)?|from|via)\b")
_VERSION_AFTER = r"(?i)^(?:-|\s)?(?:alpha|beta|rc|dev|pre|snapshot|final|build|release)\b"
_CARD_CUES = (r"(?i)\b(?:cards?|credit|debit|visa|master\s?card|amex|american express|maestro"
              r"|discover|jcb|diners|cc|ccn|pan|payment|pay|billing|charge)\b")
_PHONE_CUES = r"""(?ix)\b(?:phones?|telephone|tel|t[eé]l[eé]f\w*|mobile?|mob|cell(?:phone|ular)?
  |fax|call(?:s|ed|ing)?|dial(?:led|ing)?|sms|texts?|whatsapp|hotline|helpline|landline|contact
  |reach|messages?|ph)\b|\b(?:desk|office|home|work|direct|main|switchboard)\s*:\s*$"""
_PHONE_AFTER = r"(?i)^\s?[-–(]?\s?(?:phone|tel|mobile|mob|cell|fax|office|home|work|desk)\b"
# "17031 2202 Rissik St": house numbers before a street name are not phones.
_STREET_AFTER = (r"^\s(?:[A-Z][\w'-]*\s){0,3}(?i:st|street|str|straße|strasse|ave|avenue|rd|road"
                 r"|blvd|boulevard|lane|ln|dr|drive|way|ct|court|pl|place|sq|square)\b")
# "IRAS 05264-6347", "ISO 9001 2015", "SKU 0123 4567": an upper-case designator right before a
# number makes it a catalogue or standard id, and so do these words (unless a phone word is near).
_DESIGNATOR = r"\b[A-Z]{2,}[ -]?$"
_NOT_PHONE_CUES = (r"(?i)\b(?:isbn|issn|ssn|social security|serial|invoice|order|account|iban"
                   r"|routing|vat|tax|patent|doi|isin|zip|postcode|postal)\b")

_ANY = tuple(range(12, 20))
_IIN_RANGES = (  # (lowest prefix, highest prefix, lengths issued), from the card-brand tables
    ("4", "4", (13, 16, 19)),  # Visa
    ("51", "55", (16,)), ("2221", "2720", (16,)),  # Mastercard
    ("34", "34", (15,)), ("37", "37", (15,)),  # American Express
    ("300", "305", _ANY[2:]), ("3095", "3095", _ANY[2:]), ("36", "36", _ANY[2:]),
    ("38", "39", _ANY[2:]),  # Diners Club
    ("6011", "6011", _ANY[4:]), ("644", "649", _ANY[4:]), ("65", "65", _ANY[4:]),  # Discover
    ("62", "62", _ANY[4:]),  # UnionPay
    ("3528", "3589", _ANY[4:]), ("1800", "1800", (15,)), ("2131", "2131", (15,)),  # JCB
    ("2200", "2204", _ANY[4:]),  # Mir
    ("50", "50", _ANY), ("56", "69", _ANY),  # Maestro
    ("60", "60", (16,)), ("81", "82", (16,)), ("508", "508", (16,)),  # RuPay
)
_STRONG_CARD_LENGTHS = (14, 15, 16)  # other lengths need a card word before them
_EMAIL_SKIP_TLDS = frozenset(  # "logo@2x.png" is a file name, not an address
    "png jpg jpeg gif svg webp bmp ico tif tiff css js json pdf mp4 webm".split())
# RFC 2606 reserves these for documentation: "user@example.com" is nobody's address (and the
# default placeholder is one of them, so scrubbing twice changes nothing).
_RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
_HEX = frozenset("0123456789abcdefABCDEF:")
_EMAIL_LOCAL_CHARS = frozenset(string.ascii_letters + string.digits + "._%+-")


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a string of ASCII digits is valid."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand_ok(digits: str) -> bool:
    """Some issuer uses the prefix of ``digits`` for card numbers of this length."""
    n = len(digits)
    return any(n in lengths and low <= digits[:len(low)] <= high
               for low, high, lengths in _IIN_RANGES)


def _is_date_or_years(groups: list[str]) -> bool:
    """Three consecutive groups read as a date (y-m-d, d-m-y, m-d-y) or two as a year range."""
    vals = [int(g) for g in groups]
    for i in range(len(groups) - 1):
        year_a = len(groups[i]) == 4 and 1800 <= vals[i] <= 2099
        if year_a and len(groups[i + 1]) == 4 and 1800 <= vals[i + 1] <= 2099:
            return True
        if i + 2 >= len(groups):
            break
        x, y, z = vals[i:i + 3]
        if year_a and 1 <= y <= 12 and 1 <= z <= 31:
            return True
        day_month = (1 <= x <= 31 and 1 <= y <= 12) or (1 <= x <= 12 and 1 <= y <= 31)
        if (len(groups[i]) <= 2 and len(groups[i + 1]) <= 2 and day_month
                and (len(groups[i + 2]) == 2 or (len(groups[i + 2]) == 4 and 1800 <= z <= 2099))):
            return True
    return False


def _merge(accepted: list[Span], new: list[Span]) -> list[Span]:
    """``accepted`` plus the spans of ``new`` that overlap none of them, sorted by start.
    Both lists are sorted and free of overlaps."""
    starts = [s.start for s in accepted]
    keep = []
    for span in new:
        i = bisect.bisect_left(starts, span.end)  # accepted[:i] start before span ends
        if not (i and accepted[i - 1].end > span.start):
            keep.append(span)
    return sorted(accepted + keep, key=lambda s: s.start)


# ----------------------------------------------------------------------------------------------
# The scrubber


class PiiScrubber:
    """Finds and replaces PII in plain text. Holds only compiled patterns, so one instance can be
    shared between threads.

    Args:
        config: which types to scrub and their placeholders.
    """

    def __init__(self, config: PiiConfig = PiiConfig()):
        self.config = config
        c = re.compile
        self._email_local, self._email_domain = c(_EMAIL_LOCAL), c(_EMAIL_DOMAIN, re.VERBOSE)
        self._phone, self._ipv6_hint = c(_PHONE, re.VERBOSE), c(_IPV6_HINT)
        self._ipv4, self._ipv6, self._card = c(_IPV4), c(_IPV6), c(_CARD)
        self._digit, self._groups, self._seps = c(r"[0-9]"), c(r"[0-9]+"), c(r"[ .-]")
        self._phone_prefix, self._phone_ext = c(_PHONE_PREFIX), c(_PHONE_EXT)
        self._phone_paren = c(r"\(([0-9]{1,5})\)[ .-]?")
        self._version_before, self._version_after = c(_VERSION_BEFORE), c(_VERSION_AFTER)
        self._card_cues, self._phone_cues = c(_CARD_CUES), c(_PHONE_CUES)
        self._phone_after, self._not_phone = c(_PHONE_AFTER), c(_NOT_PHONE_CUES)
        self._street_after, self._ip_cues = c(_STREET_AFTER), c(_IP_CUES)
        self._designator = c(_DESIGNATOR)
        self._finders = [(t, getattr(self, "_find_" + t)) for t in TYPES if getattr(config, t)]

    def find(self, text: str) -> list[Span]:
        """Every PII span in ``text``, sorted and never overlapping (when two types claim the
        same characters, the one earlier in `TYPES` wins). Anything but a string gives []."""
        if not isinstance(text, str) or not text:
            return []
        has_digit = self._digit.search(text) is not None
        spans: list[Span] = []
        for kind, finder in self._finders:
            if kind != "email" and not has_digit:
                continue  # IPs, cards and phones all contain a digit
            new = finder(text)
            if new:
                spans = _merge(spans, new) if spans else new
        return spans

    def scrub(self, text: str, count: Count = no_count) -> str:
        """``text`` with every PII span replaced by its type's placeholder.

        Args:
            text: plain text; anything that is not a non-empty string comes back unchanged.
            count: called as ``count(type, n)`` for each type found, then
                ``count("docs_changed")`` once if anything was replaced.
        """
        spans = self.find(text)
        if not spans:
            return text
        out, pos, found = [], 0, {}
        for span in spans:
            out.append(text[pos:span.start])
            out.append(self._replacement(text, span))
            pos = span.end
            found[span.type] = found.get(span.type, 0) + 1
        out.append(text[pos:])
        for kind in TYPES:
            if kind in found:
                count(kind, found[kind])
        count("docs_changed")
        return "".join(out)

    def scrub_document(self, doc: Document, count: Count = no_count) -> Document:
        """``doc`` with its text scrubbed and ``metadata["pii"] = {type: replacements}`` (only
        the non-zero types); the very same object when nothing was found.

        Args:
            doc: a document holding plain (extracted) text.
            count: as in `scrub`.
        """
        found: dict = {}

        def tee(name: str, n: int = 1) -> None:
            found[name] = found.get(name, 0) + n
            count(name, n)

        text = self.scrub(doc.text, tee)
        if not found:
            return doc
        pii = {k: found[k] for k in TYPES if k in found}
        return dataclasses.replace(doc, text=text, metadata={**doc.metadata, "pii": pii})

    def _replacement(self, text: str, span: Span) -> str:
        c = self.config
        if span.type == "ip":
            return c.ipv6_replacement if ":" in text[span.start:span.end] else c.ipv4_replacement
        return getattr(c, span.type + "_replacement")

    # -- one finder per type: each returns sorted, non-overlapping spans -------------------------

    def _find_email(self, text: str) -> list[Span]:
        spans = []
        at = text.find("@")
        while at != -1:
            local = self._email_local.search(text, max(0, at - 64), at)
            domain = self._email_domain.match(text, at + 1)
            if local and domain and not (local.start() and text[local.start() - 1]
                                         in _EMAIL_LOCAL_CHARS):  # local part over 64 chars
                start = local.start()
                while start < at and text[start] == ".":
                    start += 1  # in "...jo@x.org" the dots are punctuation
                name, host = text[start:at], domain.group()
                tld = host.rsplit(".", 1)[1].lower()
                if (name and not name.endswith(".") and ".." not in name
                        and not (spans and start < spans[-1].end)
                        and not any(lab.startswith("-") or lab.endswith("-")
                                    for lab in host.split("."))
                        and tld not in _EMAIL_SKIP_TLDS
                        and not host.lower().endswith(_RESERVED_DOMAINS)):
                    spans.append(Span("email", start, domain.end()))
            at = text.find("@", at + 1)
        return spans

    def _find_ip(self, text: str) -> list[Span]:
        spans = []
        if "." in text:
            spans = [Span("ip", *m.span()) for m in self._ipv4.finditer(text)
                     if self._ip_ok(text, m, ipaddress.IPv4Address)]
        if "::" in text or text.count(":") >= 2:
            v6, done = [], 0
            for hint in self._ipv6_hint.finditer(text):
                start = hint.start()
                if start < done:
                    continue  # inside the candidate just tried
                while start > done and start > hint.start() - 40 and text[start - 1] in _HEX:
                    start -= 1
                m = self._ipv6.match(text, start)
                done = max(m.end() if m else 0, hint.end())
                if m and self._ip_ok(text, m, ipaddress.IPv6Address):
                    v6.append(Span("ip", *m.span()))
            if v6:
                spans = _merge(spans, v6) if spans else v6
        return spans

    def _ip_ok(self, text: str, m: re.Match, cls) -> bool:
        s = m.group()
        if cls is ipaddress.IPv6Address:
            # "dead::beef", "a:b::c" and "12:30:45" are words or times, not addresses.
            if len(s) < 7 or sum(1 for g in s.split(":") if g) < 3 or not self._digit.search(s):
                return False
        try:
            addr = cls(s)
        except ValueError:  # "12:30:45", "01.02.03.04" (leading zeros), "1.2.3.256", ...
            return False
        if not addr.is_global or addr.is_multicast:  # a multicast group is nobody's address
            return False
        if "::" in s and not 0x2000 <= int(addr) >> 112 <= 0x3FFF:
            # A compressed form outside 2000::/3, where all global unicast space is assigned,
            # is more likely code ("ab:cd:ef::12"); eight full groups are unmistakable.
            return False
        start, end = m.span()
        before = text[max(0, start - 24):start]
        if self._version_before.search(before):
            return False
        if len(s) == 7 and not self._ip_cues.search(before):  # 7 chars: four one-digit octets
            return False
        return not self._version_after.search(text[end:end + 12])

    def _find_credit_card(self, text: str) -> list[Span]:
        spans = []
        for m in self._card.finditer(text):
            s, start = m.group(), m.start()
            if " " in s and "-" in s:
                continue  # mixed separators: a table of numbers, not one card
            groups = self._seps.split(s)
            if len(groups[0]) != 4:  # grouped cards start with 4 digits: only the first run
                groups = groups[:1]
            # "4111 1111 1111 1111 123": the card may be followed by more digit groups.
            for k in range(len(groups), 0, -1):
                if self._card_ok(text, start, groups[:k]):
                    spans.append(Span("credit_card", start, start + len(" ".join(groups[:k]))))
                    break
        return spans

    def _card_ok(self, text: str, start: int, groups: list[str]) -> bool:
        if len(groups) > 1:
            sizes = [len(g) for g in groups]
            fours = all(k == 4 for k in sizes[:-1]) and 1 <= sizes[-1] <= 4
            if not (fours or sizes in ([4, 6, 5], [4, 6, 4])):
                return False
        digits = "".join(groups)
        if not 12 <= len(digits) <= 19 or len(set(digits)) == 1 or not luhn_ok(digits):
            return False
        if len(digits) in _STRONG_CARD_LENGTHS and card_brand_ok(digits):
            return True
        # Otherwise a card word must come first; then any bank-card major industry digit
        # (ISO/IEC 7812: 1-2 airlines, 3 travel, 4-5 banking, 6 merchandising) will do.
        cue = self._card_cues.search(text[max(0, start - self.config.context_chars):start])
        return cue is not None and (card_brand_ok(digits) or digits[0] in "123456")

    def _find_phone(self, text: str) -> list[Span]:
        # Fewer than 7 characters cannot hold 7 digits: skips years and counts cheaply.
        return [Span("phone", *m.span()) for m in self._phone.finditer(text)
                if m.end() - m.start() >= 7 and self._phone_ok(text, m)]

    def _phone_ok(self, text: str, m: re.Match) -> bool:
        start, end = m.span()
        if start >= 2 and text[start - 1] == "," and text[start - 2].isdigit():
            return False  # "1,234 567": thousands
        core = self._phone_ext.sub("", m.group())
        prefix = self._phone_prefix.match(core)  # "+44 ", "+41 (0)", "0044 ", "001-"
        if prefix:
            core = core[prefix.end():]  # what is left must look like a national number
        paren = self._phone_paren.match(core)
        area = paren.group(1) if paren else ""
        rest = core[paren.end():] if paren else core
        groups = self._groups.findall(rest)
        all_groups = [area] + groups if area else groups
        digits = "".join(all_groups)
        seps = set(self._seps.findall(rest))
        # E.164 allows 15 digits in all, so at most 14 after a country code.
        if not groups or len(seps) > 1 or not 7 <= len(digits) <= (14 if prefix else 15):
            return False
        if len(set(digits)) == 1 or m.group() == self.config.phone_replacement:
            return False  # one repeated digit, or our own placeholder
        if any(len(g) == 1 for g in groups[1:]) or _is_date_or_years(all_groups):
            return False  # "0-306-40615-2" (ISBN), "0.5 0.25", "2019 05 12", "1990-2000"
        before = text[max(0, start - self.config.context_chars):start]
        after = text[end:end + 40]
        cue = self._phone_cues.search(before) or self._phone_after.match(after)
        if self._street_after.match(after) or (not cue and self._not_phone.search(before[-24:])):
            return False  # a house number; "ISBN ...", "order no. ..." (but "to order, call ...")
        sizes = [len(g) for g in groups]
        if not area and sizes == [3, 2, 4] and seps == {"-"}:
            strong = False  # 123-45-6789 is how US social security numbers are written
        elif prefix:
            strong = True
        elif area:  # (415) 555-2671, (08) 8747 6301, (0161) 496 0000
            strong = ((len(area) == 3 and area[0] in "23456789" and sizes == [3, 4])
                      or ((area[0] == "0" or len(area) <= 3) and 9 <= len(digits) <= 12))
        else:  # 415-555-2671, 1-415-555-2671, trunk-0: 020 7946 0958, 01.84.17.61.18
            nanp = (sizes == [3, 3, 4] or (sizes == [1, 3, 3, 4] and groups[0] == "1"))
            strong = ((nanp and groups[-3][0] in "23456789")
                      or (groups[0][0] == "0" and not groups[0].startswith("00")
                          and len(groups) >= 2 and 2 <= sizes[0] <= 5
                          and 9 <= len(digits) <= 12))
        if strong and (cue or not self._designator.search(before)):
            return True
        return bool(cue) and len(groups) <= 5 and all(len(g) >= 2 for g in all_groups)
