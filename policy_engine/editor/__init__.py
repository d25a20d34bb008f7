"""The draft editor: a policy document as form rows and back, without JSON.

``rows`` turns a document into what the form shows (sections in the document's order, in its own
words, Arabic and English side by side, lists as rows); ``posted`` turns the posted form back into a
document (keeping every part the form does not show) and applies the form's row actions (add,
move, remove) when the browser runs no script; ``errors`` puts each problem the rules find beside
the field it concerns.
"""

from policy_engine.editor.errors import errors_by_field, field_for
from policy_engine.editor.posted import apply_action, document_from_post
from policy_engine.editor.rows import editor_context

__all__ = ["apply_action", "document_from_post", "editor_context", "errors_by_field", "field_for"]
