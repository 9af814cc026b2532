"""Policy texts are written in Markdown by the operator and shown to everyone,
so they are rendered with raw HTML escaped: markdown-it-py (a CommonMark
implementation already in the lock through Rich, now a direct dependency)
with ``html`` off, and its link check refuses ``javascript:`` and the like.
Images are off too: a policy needs none, and they would load from elsewhere."""

from functools import cache

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).disable("image")


def render_markdown(text: str) -> SafeString:
    return mark_safe(_parser().render(text))  # noqa: S308 - raw HTML is escaped
