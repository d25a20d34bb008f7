"""The policy as an A4 PDF, drawn by WeasyPrint from the standalone HTML with the shipped fonts;
nothing but local files is ever fetched (see docs/adr/0007-policy-pdf.md)."""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_engine.rendering.context import RenderError, build_context
from policy_engine.rendering.html import CSS_PATH, FONT_DIR, PACKAGE_DIR, render, template_context
from policy_engine.rendering.words import has_arabic
from policy_engine.rules.document import PolicyDocument

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcher


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # pragma: no cover - depends on the machine's system libraries
        raise RenderError(f"WeasyPrint cannot load its system libraries (Pango): {error}") from error
    return weasyprint


@cache
def _local_fetcher_class() -> type[URLFetcher]:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class _LocalFilesOnlyFetcher(URLFetcher):
        """Fetches ``file://`` URLs under the allowed folders and refuses everything else, fatally:
        a policy PDF never reaches the network."""

        def __init__(self, allowed_dirs: Sequence[Path] = (), **kwargs: Any) -> None:
            super().__init__(allowed_protocols={"file"}, **kwargs)
            self.allowed_dirs = tuple(Path(p).resolve() for p in (*allowed_dirs, FONT_DIR, CSS_PATH.parent))
            self.fetched: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.startswith("file://"):
                raise FatalURLFetchingError(f"policy PDFs load local files only, refused {url!r}")
            from urllib.parse import unquote, urlsplit

            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path.is_relative_to(folder) for folder in self.allowed_dirs):
                raise FatalURLFetchingError(f"policy PDFs load the shipped assets only, refused {url!r}")
            self.fetched.append(url)
            return super().fetch(url, headers)

    return _LocalFilesOnlyFetcher


def local_files_only_fetcher(allowed_dirs: Sequence[Path] = (), **kwargs: Any) -> URLFetcher:
    """A WeasyPrint URL fetcher that only reads the shipped fonts and styles (``file://``)."""
    fetcher: URLFetcher = _local_fetcher_class()(allowed_dirs, **kwargs)
    return fetcher


# Noto Sans Arabic draws a letter as a dotless skeleton plus its dots, and shares both among
# letters, so the PDF's glyph-to-text map cannot say which letter a glyph was: copied or searched
# Arabic text comes out wrong. While a policy PDF is drawn, each text run that holds Arabic is
# wrapped in a marked-content span whose /ActualText is the run's real text (ISO 32000-1, 14.9.4),
# which PDF readers use for copy, search and accessibility. English runs keep the glyph map.
_ACTUAL_TEXT = contextvars.ContextVar("sila_policy_actual_text", default=False)
_INSTALL_LOCK = threading.Lock()
_installed = False


def _install_actual_text() -> bool:
    global _installed
    with _INSTALL_LOCK:
        if _installed:
            return True
        try:
            import pydyf
            from weasyprint.formatting_structure.boxes import TextBox
            from weasyprint.pdf.stream import Stream
        except ImportError:  # pragma: no cover - another WeasyPrint layout
            return False
        original = getattr(Stream, "marked", None)
        if original is None:  # pragma: no cover - another WeasyPrint version
            return False

        @contextlib.contextmanager
        def marked(self: Any, box: Any, tag: str) -> Iterator[None]:
            text = getattr(box, "text", "") if isinstance(box, TextBox) else ""
            if not (_ACTUAL_TEXT.get() and text and has_arabic(text)):
                with original(self, box, tag):
                    yield
                return
            properties: dict[str, Any] = {"ActualText": pydyf.String(text)}
            tags = getattr(self, "_tags", None)
            if tags is not None:  # a tagged PDF: keep WeasyPrint's structure bookkeeping
                properties["MCID"] = len(tags)
                tags[box] = {"tag": tag, "mcid": properties["MCID"]}
            pydyf.Stream.begin_marked_content(self, tag, pydyf.Dictionary(properties))
            try:
                yield
            finally:
                pydyf.Stream.end_marked_content(self)

        marked.__wrapped__ = original  # type: ignore[attr-defined]
        Stream.marked = marked
        _installed = True
        return True


def render_policy_pdf(
    *,
    association: Mapping[str, Any],
    document: Mapping[str, Any] | PolicyDocument,
    version: Mapping[str, Any] | None,
    approval: Mapping[str, Any] | None,
    lang: str,
    url_fetcher: URLFetcher | None = None,
) -> bytes:
    """The policy as an A4 PDF (bytes starting with ``%PDF``), with the shipped fonts embedded.

    Nothing is fetched but the shipped font files; pass ``url_fetcher`` to watch or restrict that.
    """
    weasyprint = _weasyprint()
    context = build_context(
        association=association, document=document, version=version, approval=approval, lang=lang
    )
    html = render(template_context(context, standalone=True, for_pdf=True))
    fetcher = url_fetcher if url_fetcher is not None else local_files_only_fetcher()
    _install_actual_text()
    token = _ACTUAL_TEXT.set(True)
    try:
        document_pdf = weasyprint.HTML(
            string=html, base_url=PACKAGE_DIR.as_uri() + "/", url_fetcher=fetcher
        ).write_pdf()
    finally:
        _ACTUAL_TEXT.reset(token)
    if not isinstance(document_pdf, bytes):  # pragma: no cover - write_pdf() without a target
        raise RenderError("WeasyPrint returned no PDF")
    return document_pdf
