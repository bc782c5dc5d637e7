"""A byline string as display names: people, agencies and newsrooms, without the noise around them.

The rules, each one sentence of docs/bylines.md:
- role words before a name go: "By", "Von", "Par", "Por", "Door", "Di", "Av", "Text:",
  "Reporting by", "Written by";
- text in brackets goes: staff initials "(cog.)", photo credits "(Image: Getty Images)";
- e-mail addresses and links go;
- a byline splits at ";", ",", "&", "|", "/" and the word "and" in a few languages;
- "for The Times" after a name goes (an affiliation, not an author);
- a part that is only a job title ("Senior Editor") or a photo credit ("Foto: X") goes;
- a part with two or more lower-case words that are neither name particles ("van der")
  nor newsroom words ("staff reporter") is a phrase, not a name, and goes;
- a part with a word starting with a digit, or a ©, is a date or a copyright line, and goes;
- everything else is kept exactly as written: no re-capitalisation, any script.
"""

from __future__ import annotations

import re

__all__ = ["split_names"]

_ROLE_PREFIX = re.compile(
    r"^\s*(?:(?:additional\s+)?(?:written|posted|reported|reporting|editing|edited|text|story)\s+)?"
    r"(?:by|von|par|por|door|di|av|af)(?::\s*|\s+)"
    r"|^\s*(?:text|texte|reporting|autor|autorin|author|auteur|redaktion)\s*:\s*",
    re.IGNORECASE,
)
# A capitalised role word inside a byline ("Capital Von Jemima Kelly"): a label precedes it.
_LABEL_BEFORE_ROLE = re.compile(r"^.*?\s(?=(?:By|BY|Von|VON|Par|PAR|Por|POR)\s)")
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_EMAIL_OR_LINK = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")
_SPLIT = re.compile(
    r"\s*(?:;|,|&|\||\s/\s|\b(?:and|und|et|y|e|og|och|en|és|i)\b)\s*", re.IGNORECASE
)
_AFFILIATION = re.compile(r"\s+(?:for|at|from|für)\s+[A-Z][\w .'-]*$")
_CREDIT = re.compile(r"^(?:photo|foto|image|bild|picture|credit|fotos|photos)s?\b", re.I)
_NOT_A_NAME = re.compile(r"@|©|(?:^|\s)\d|^(?:staff|admin|editor|reporter|guest|redaktion)$", re.I)
_PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "del",
        "della",
        "der",
        "den",
        "des",
        "du",
        "van",
        "von",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "ibn",
        "bint",
        "y",
        "zu",
        "ten",
        "ter",
        "dos",
        "das",
    ]
)
_NEWSROOM_WORDS = frozenset(
    [
        "staff",
        "reporter",
        "reporters",
        "writer",
        "writers",
        "correspondent",
        "correspondents",
        "editor",
        "editors",
        "desk",
        "team",
        "newsroom",
        "redaktion",
        "agencies",
        "agency",
    ]
)
_JOB_WORDS = frozenset(
    [
        "senior",
        "chief",
        "deputy",
        "managing",
        "executive",
        "contributing",
        "associate",
        "political",
        "foreign",
        "staff",
        "editor",
        "writer",
        "reporter",
        "correspondent",
        "columnist",
        "journalist",
        "photographer",
        "producer",
        "redakteur",
        "redakteurin",
        "korrespondent",
        "korrespondentin",
        "journaliste",
        "rédacteur",
        "rédactrice",
    ]
)


def split_names(raw: str) -> list[str]:
    """A declared byline ("By A (ab), B and dpa") as its names: ["A", "B", "dpa"]."""
    raw = " ".join(raw.split())
    # What is cut out separates names (" | "), so no name is glued across the gap it leaves.
    raw = _EMAIL_OR_LINK.sub(" | ", _BRACKETED.sub(" | ", _ROLE_PREFIX.sub("", raw)))
    names = []
    for part in _SPLIT.split(raw):
        part = _ROLE_PREFIX.sub("", _LABEL_BEFORE_ROLE.sub("", part))
        part = _AFFILIATION.sub("", part.split("(")[0].split("[")[0]).strip(" .:-–—|·•")
        part = " ".join(part.split())
        if _is_name(part):
            names.append(part)
    return names


def _is_name(part: str) -> bool:
    words = part.split()
    if not part or not 1 <= len(words) <= 5 or _NOT_A_NAME.search(part) or _CREDIT.match(part):
        return False
    folded = [word.casefold() for word in words]
    if all(word in _JOB_WORDS for word in folded):
        return False  # "Senior Editor", after a comma: a job title
    lower = [
        word
        for word, key in zip(words, folded, strict=True)
        if word[0].islower() and key not in _PARTICLES and key not in _NEWSROOM_WORDS
    ]
    # One lower-case word is an agency or a domain ("dpa", "mbl.is"); more is a phrase.
    return len(lower) < 2
