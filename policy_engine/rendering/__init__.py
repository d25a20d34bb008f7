"""A policy version as a readable document: an HTML fragment, a standalone HTML page, or a PDF.

The output follows the structure of the five seed policies (سياسة تنظيم العلاقة مع المستفيدين):
title with the association's name and licence number, preamble, general goal, detailed goals,
contact channels in the association's own order, staff tools, the case-handling procedure (its
parameters in words: who the referral goes to, who decides, the review window «خلال أسبوعين»),
responsibilities and the staff acknowledgment when required, contacts and fund bank accounts, and
the board approval, or a "draft awaiting board approval" banner when there is none.

Inputs are plain mappings, so this works with seed data and with model instances alike::

    association = {"slug", "name_ar", "name_en", "licence_number"}
    document    = a policy document in the canonical JSON form (see policy_engine.rules.document)
    version     = {"number", "status"} or None
    approval    = {"meeting_number", "term", "session", "date_hijri", "date_gregorian",
                   "signatories": [{"name", "role_ar", "role_en"}]} or None

``lang="ar"`` renders right-to-left Arabic; ``lang="en"`` renders English wherever the document
has English, and falls back to the Arabic text, marked ``lang="ar" dir="rtl"``, where it has none.

PDFs are made by WeasyPrint from the same HTML, with the shipped Noto Sans Arabic webfonts loaded
from ``file://`` URLs: rendering never touches the network (see docs/adr/0007-policy-pdf.md).
"""

from policy_engine.rendering.context import RenderError, build_context, normalise_lang
from policy_engine.rendering.html import (
    FONT_DIR,
    TEMPLATE_NAME,
    font_face_css,
    policy_css,
    render_policy_html,
)
from policy_engine.rendering.pdf import local_files_only_fetcher, render_policy_pdf
from policy_engine.rendering.words import Text, approval_dates, has_arabic
from policy_engine.rules.wording import TERMS, Term

__all__ = [
    "FONT_DIR",
    "TEMPLATE_NAME",
    "TERMS",
    "RenderError",
    "Term",
    "Text",
    "approval_dates",
    "build_context",
    "font_face_css",
    "has_arabic",
    "local_files_only_fetcher",
    "normalise_lang",
    "policy_css",
    "render_policy_html",
    "render_policy_pdf",
]
