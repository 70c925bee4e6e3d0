"""HTML and SVG built from trusted templates, every value escaped unless it is Markup.

The review pages show what users typed: escaping is the default, so a value can only
reach the page as markup by being built here."""

from __future__ import annotations

import html as _html


class Markup(str):
    """Text that is already safe HTML."""

    __slots__ = ()


def escape(value) -> Markup:
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def _safe(value):
    if isinstance(value, Markup):
        return value
    if isinstance(value, (list, tuple)):
        return Markup("".join(_safe(item) for item in value))
    return escape(value)


def html(template: str, *args, **kwargs) -> Markup:
    """`template` with its `{}` fields filled: strings escaped, Markup kept, lists of
    either joined. Numbers are formatted before they get here (no format specs)."""
    return Markup(template.format(*(_safe(a) for a in args), **{k: _safe(v) for k, v in kwargs.items()}))


def join(items, separator: str = "") -> Markup:
    return Markup(_safe(separator).join(_safe(item) for item in items))
