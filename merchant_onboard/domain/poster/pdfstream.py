"""A reportlab document that writes every page out as soon as the canvas finishes it.

reportlab's ``PDFDocument`` keeps every page (and its uncompressed content stream) until
``save()``, then builds the whole file in memory: a market's batch would grow with its size and
send nothing until the last page is drawn. PDF does not need that. Objects may appear in any
order as long as the cross-reference table at the end gives each one's offset, so this document
formats a page and its content stream as soon as the page is added, hands the bytes to a
callback, and keeps only their offsets. What must come last is held back: the font dictionary
(the glyph subsets are known only once every page is drawn), the page tree, catalogue and info.

Drawing stays plain reportlab (canvas, TrueType subsetting, compression); only the file
assembly of ``PDFDocument.format`` is redone here, with reportlab's own object formatting.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.pdfbase.pdfdoc import (
    BasicFonts,
    PDFDocument,
    PDFIndirectObject,
    PDFObjectReference,
    PDFPage,
    PDFStream,
    PDFTrailer,
    PDFZCompress,
)
from reportlab.pdfgen.canvas import Canvas

_HEADER = b"%PDF-1.4\n%\x93\x8c\x8b\x9e merchant_onboard (ReportLab)\n"


class StreamingDocument(PDFDocument):
    """A ``PDFDocument`` whose finished pages go straight to ``write``."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        super().__init__(compression=1)
        self._write = write
        self._offset = 0
        self._offsets: dict[int, int] = {}
        self._scanned = 0  # object numbers up to this one were written or held back
        self._emit(_HEADER)
        self.Reference(self.Pages)
        self._held = {BasicFonts, self.Pages.__InternalName__}

    def addPage(self, page: PDFPage) -> None:  # noqa: N802 (reportlab's name)
        """Register the page, write it and its content stream, and forget both."""
        # Deflate only: reportlab's default adds ASCII85 on top, in pure Python, which costs
        # time and makes the stream a quarter larger for a 7-bit-clean file nobody needs.
        page.Contents = PDFStream(content=page.stream, filters=[PDFZCompress])
        super().addPage(page)
        name = page.__InternalName__
        self._write_new_objects()
        # The page tree only needs each page's object number.
        self.Pages.pages[-1] = PDFObjectReference(name)

    def finish(self, canvas: Canvas) -> None:
        """Write the fonts, page tree, catalogue, cross-reference table and trailer."""
        for font in self.delayedFonts:
            font.addObjects(self)
        self.info.invariant = self.invariant
        self.info.digest(self.signature)
        self.Reference(self.Catalog)
        self.Reference(self.info)
        self.Outlines.prepare(self, canvas)
        if self.Outlines.ready < 0:
            self.Catalog.Outlines = None
        self._write_new_objects()
        for name in sorted(self._held):
            self._write_object(name)
        self._held.clear()
        self._write_new_objects()
        self._write_xref_and_trailer()

    def release_fonts(self) -> None:
        """Forget this document's glyph assignments, kept on the process-wide font objects.

        ``finish`` does it by writing the fonts; call this in any case, so that a stream a
        client abandoned halfway does not keep its document alive through the fonts.
        """
        for font in self.delayedFonts:
            font.state.pop(self, None)

    def _write_new_objects(self) -> None:
        """Write objects registered since the last call; formatting may register more."""
        while self._scanned < self.objectcounter:
            self._scanned += 1
            name = self.numberToId[self._scanned]
            if name not in self._held:
                self._write_object(name)

    def _write_object(self, name: str) -> None:
        number, _ = self.idToObjectNumberAndVersion[name]
        data = PDFIndirectObject(name, self.idToObject[name]).format(self)
        self._offsets[number] = self._offset
        self._emit(data)
        # Keep the name registered (references resolve through it) but drop the object.
        self.idToObject[name] = None

    def _write_xref_and_trailer(self) -> None:
        count = self.objectcounter
        missing = set(range(1, count + 1)) - self._offsets.keys()
        if missing:
            raise RuntimeError(f"PDF objects never written: {sorted(missing)}")
        start = self._offset
        entries = "".join(f"{self._offsets[n]:010d} 00000 n \n" for n in range(1, count + 1))
        self._emit(f"xref\n0 {count + 1}\n0000000000 65535 f \n{entries}".encode("ascii"))
        trailer = PDFTrailer(
            startxref=start,
            Size=count + 1,
            Root=self.Reference(self.Catalog),
            Info=self.Reference(self.info),
            ID=self.ID(),
        )
        self._emit(trailer.format(self))

    def _emit(self, data: bytes) -> None:
        self._write(data)
        self._offset += len(data)


def streaming_canvas(write: Callable[[bytes], object], pagesize: tuple[float, float],
                     initial_font: str) -> tuple[Canvas, StreamingDocument]:
    """A reportlab canvas drawing into a :class:`StreamingDocument`.

    ``initial_font`` must be a registered TrueType font: with a standard font as the initial
    one, the canvas would reference Helvetica from every page for nothing.
    """
    canvas = Canvas(None, pagesize=pagesize, pageCompression=1, initialFontName=initial_font)
    document = StreamingDocument(write)
    # The canvas makes its own document in __init__ and only uses it from the first page on.
    canvas._doc = document
    return canvas, document
