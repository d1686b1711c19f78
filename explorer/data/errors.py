"""The one error type for bad input: it always names the file and says what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class DataError(Exception):
    """A problem with an input file, worded for the person who has to fix it.

    ``where`` pinpoints the problem inside the file (``line 12``, ``feature 'iturup'``,
    ``places[3].names[0]``) when that is known.
    """

    file: Path | str
    problem: str
    where: str | None = None

    def __str__(self) -> str:
        location = f"{self.file}" + (f": {self.where}" if self.where else "")
        return f"{location}: {self.problem}"
