"""A real office suite for the tests: LibreOffice converts exports to PDF, poppler reads the PDF.

Debian's packages are installed when missing (tests/system_packages.py). Besides LibreOffice and
poppler-utils: fonts-noto-cjk, so Chinese text is drawn (and read back) at all, and
fonts-crosextra-carlito, the metric twin of Calibri, the default font of the workbooks: without it
LibreOffice measures column widths with a wider font (DejaVu Sans) and prints every sheet about a
fifth smaller than Excel would (Debian's libreoffice-writer recommends it; the tests install
without recommends).
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.system_packages import ensure

PACKAGES = ["libreoffice-writer", "libreoffice-calc", "poppler-utils", "fonts-noto-cjk", "fonts-crosextra-carlito"]
NEEDED = [
    "soffice",
    "pdfinfo",
    "pdftotext",
    "pdftoppm",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf",
]
MM = 72 / 25.4  # PDF points per millimetre
A4 = (210 * MM, 297 * MM)


def install() -> None:
    """LibreOffice, poppler and the fonts, when the machine lacks them."""
    ensure(NEEDED, PACKAGES, "需要 LibreOffice（libreoffice-writer、libreoffice-calc）和 poppler-utils")


def convert(files: list[Path], out: Path) -> float:
    """Convert ``files`` to PDF in ``out`` with one headless LibreOffice run, in a profile of its own
    (concurrent runs would otherwise share one and fail). Returns the seconds it took."""
    profile = Path(tempfile.mkdtemp(prefix="lo-"))
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                *map(str, files),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    missing = [f.name for f in files if not (out / f.with_suffix(".pdf").name).exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {done.stdout} {done.stderr}"
    return time.perf_counter() - started


@dataclass(frozen=True)
class Word:
    """A word as poppler places it, in points from the page's top left."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Pdf:
    """What poppler reads from a PDF: page size and count, each page's text and words."""

    path: Path
    pages: int
    size: tuple[float, float]
    texts: list[str]
    words: list[list[Word]]

    @classmethod
    def read(cls, path: Path) -> Pdf:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        w, h = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info, re.M).groups()
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        layout = subprocess.run(
            ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        words = [
            [
                Word(float(a), float(b), float(c), float(d), html.unescape(t))
                for a, b, c, d, t in re.findall(
                    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
                )
            ]
            for page in re.split(r"<page ", layout)[1:]
        ]
        return cls(path, pages, (float(w), float(h)), text.split("\f")[:pages], words)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def flat(self) -> str:
        """All text with the line breaks and spaces a wrapped cell or paragraph puts in dropped."""
        return re.sub(r"\s+", "", self.text)

    def pages_with(self, text: str) -> list[int]:
        """The pages (1-based) whose text holds ``text`` (spaces ignored)."""
        key = re.sub(r"\s+", "", text)
        return [n for n, t in enumerate(self.texts, start=1) if key in re.sub(r"\s+", "", t)]

    def column_text(self, before: str, after: str) -> str:
        """The text of one table column on every page that has it, top to bottom, no spaces: the
        words below the headers, starting right of the header ``before`` and left of the column
        headed ``after`` (a cell's wrapped lines stay together, whatever the cells beside them
        hold). The next column's left edge is taken from its (centred) values, which all span its
        header's centre; rows spanning the table (headings without spaces) start left of the column
        and are left out."""
        out = []
        for words in self.words:
            heads = {w.text: w for w in sorted(words, key=lambda w: w.y0, reverse=True)}  # topmost wins
            if before not in heads or after not in heads:
                continue
            left, top = heads[before].x1, heads[before].y1
            centre = (heads[after].x0 + heads[after].x1) / 2
            below = [w for w in words if w.y0 > top and w.x0 > left]
            right = min([w.x0 for w in below if w.x0 <= centre <= w.x1] + [heads[after].x0])
            column = [w for w in below if w.x0 < right]
            out += [w.text for w in sorted(column, key=lambda w: (round(w.y0), w.x0))]
        return re.sub(r"\s+", "", "".join(out))

    def is_a4(self, landscape: bool) -> bool:
        want = (A4[1], A4[0]) if landscape else A4
        return abs(self.size[0] - want[0]) < 1 and abs(self.size[1] - want[1]) < 1

    def overlaps(self, slack: float = 2.0) -> list[tuple[int, str, str]]:
        """Words drawn over each other: text running out of its cell into the next row's, where the
        suite either cuts it off or draws it over that row's text. Page and the two words, for every
        pair whose boxes overlap by more than ``slack`` points both ways (the boxes of two lines of
        one paragraph touch by less than a point)."""
        found = []
        for n, words in enumerate(self.words, start=1):
            for i, a in enumerate(words):
                for b in words[i + 1 :]:
                    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
                    dy = min(a.y1, b.y1) - max(a.y0, b.y0)
                    if dx > slack and dy > slack:
                        found.append((n, a.text, b.text))
        return found

    def cut_rows(self, first_header: str, slack: float = 1.0) -> list[tuple[int, str]]:
        """Text that runs past the bottom of its table row (the suite cuts it off there): page and
        word. Rows are found by their first cell, which holds a value in every row (a code, or a
        heading spanning the row) at the row's top: a word starting in one row must end before the
        next row's first value starts. The first column is the leftmost word ``first_header``. The
        last row on a page has no row below to compare with."""
        found = []
        for n, words in enumerate(self.words, start=1):
            heads = [w for w in words if w.text == first_header]
            if not heads:
                continue
            head = min(heads, key=lambda w: (w.x0, w.y0))  # the first column's (a later header may hold the word)
            centre = (head.x0 + head.x1) / 2
            below = [w for w in words if w.y0 > head.y1]
            starts = sorted({round(w.y0, 2) for w in below if w.x0 <= centre <= w.x1})
            for top, following in itertools.pairwise(starts):
                # Digits and Latin letters sit up to ~2 pt higher in a row than Chinese text does.
                row = [w for w in below if top - 3 <= w.y0 < following - 3]
                found += [(n, w.text) for w in row if w.y1 > following + slack]
        return found

    def first_page_png(self, out: Path, dpi: int = 60) -> Path:
        """Page 1 as a PNG (``out`` without suffix: pdftoppm adds .png)."""
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(self.path), str(out)],
            check=True,
        )
        return out.with_suffix(".png")
