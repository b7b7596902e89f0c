"""Name normalization shared by parties and reviewer affiliations."""

import re
import unicodedata

# Words that do not distinguish one organization or person from another.
_NOISE = {
    "inc", "incorporated", "llc", "llp", "lp", "co", "corp", "corporation", "company", "ltd", "limited",
    "the", "of", "and", "pc", "pa", "md", "do", "dc", "phd", "psyd", "dpm", "mba", "facs", "jr", "sr",
}


def normalize_name(name: str) -> str:
    """Fold case, accents, punctuation and corporate/credential suffixes.

    "Alan Whitfield, MD" and "alan whitfield" compare equal; "José Núñez"
    and "Jose Nunez" too.
    """
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    kept = [w for w in words if w not in _NOISE]
    return " ".join(kept or words)


def name_key(name: str) -> str:
    """The words of a name that identify it, in order: initials dropped.

    "Maria T. Esperanza" and "María Esperanza" share the key "esperanza
    maria", so each is offered as a possible match for the other; word
    order does not matter ("Esperanza, Maria").
    """
    return " ".join(sorted(word for word in normalize_name(name).split() if len(word) > 1))


# Characters that draw nothing although Unicode does not class them as
# spaces or formatting (fillers and the blank Braille pattern).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u2800", "\u3164", "\uffa0", "\u180e"}


def _invisible(ch: str) -> bool:
    return ch in _BLANK_LETTERS or unicodedata.category(ch) in {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}


def has_visible_text(value: str) -> bool:
    """False for an empty string or one of spaces, zero-width and control characters only."""
    return any(not _invisible(ch) for ch in value or "")


def clean_identifier(value: str) -> str:
    """An identifier as typed, without zero-width, control or padding characters.

    A claim number pasted with a zero-width space is the same claim number:
    those characters go (so duplicates are still found), other spaces fold
    to one.
    """
    text = "".join(ch for ch in unicodedata.normalize("NFC", value or "") if unicodedata.category(ch) not in {"Cc", "Cf"})
    text = "".join(" " if unicodedata.category(ch) in {"Zs", "Zl", "Zp"} else ch for ch in text)
    return " ".join(text.split())
