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
