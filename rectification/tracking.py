"""Tracking codes: what a member of the public quotes to follow a report, on the page or over the phone.

Ten characters from an alphabet without the look-alikes 0/O and 1/I/L: 31 ** 10 (about 8 × 10 ** 14) codes, drawn
with `secrets`, so a code cannot be guessed or derived from the problem's number; the lookups are rate-limited too.
"""

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
_SEPARATORS = re.compile(r"[\s\-_.·]+")
_VALID = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def tracking_code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def tracking_code_normalise(value: str) -> str:
    """The code as stored, from what someone typed ("abcde-fghjk", with spaces): upper case, separators dropped;
    "" when it cannot be a code."""
    code = _SEPARATORS.sub("", str(value or "")).upper()
    return code if _VALID.match(code) else ""


def tracking_code_display(code: str) -> str:
    """Two groups of five, easier to read out and to copy down."""
    return f"{code[:5]}-{code[5:]}" if code and len(code) == LENGTH else code or ""
