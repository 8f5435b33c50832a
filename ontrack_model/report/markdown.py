"""Markdown to safe, self-contained HTML for the report (model card, ATRS sections)."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml


def _parser() -> MarkdownIt:
    # raw HTML is escaped, not passed through, and images are off: the report must load nothing
    return MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")


def _table_open(self, tokens, idx, options, env) -> str:
    # every table needs a caption for screen readers; Markdown has none, so name it after its section
    caption = escapeHtml(tokens[idx].meta.get("caption", "Table"))
    return f"<table>\n<caption>{caption}</caption>\n"


def render_markdown(text: str, top_level: int = 3, context: str = "Table") -> str:
    """Render Markdown; its `#` headings become `<h{top_level}>` so they nest under the report's own.

    Tables get a caption: the text of the heading above them, or `context` when there is none.
    """
    md = _parser()
    md.add_render_rule("table_open", _table_open)
    tokens = md.parse(text or "")
    shift = top_level - 1
    heading, count = context, 0
    for i, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
            if token.type == "heading_open":
                heading = tokens[i + 1].content
        elif token.type == "table_open":
            count += 1
            token.meta = {**(token.meta or {}), "caption": f"{heading} (table {count})"}
    return md.renderer.render(tokens, md.options, {})
