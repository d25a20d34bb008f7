"""One way to name a file in an answer, whatever its language.

``Content-Disposition`` headers are latin-1: an Arabic name written into ``filename="..."`` as is
breaks the header. Django's ``content_disposition_header`` (what ``FileResponse(filename=...)``
uses for beneficiary documents) writes an ASCII ``filename`` and the real name as ``filename*``
(RFC 6266/5987); every download goes through it.
"""

from __future__ import annotations

from django.http import HttpResponseBase
from django.utils.http import content_disposition_header


def name_file(response: HttpResponseBase, filename: str, *, inline: bool = True) -> HttpResponseBase:
    header = content_disposition_header(not inline, filename.replace("\x00", "").strip() or "file")
    if header:
        response["Content-Disposition"] = header
    return response
