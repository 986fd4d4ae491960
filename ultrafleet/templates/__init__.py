"""Render the jinja2 templates shipped in this package. StrictUndefined: a missing variable is an error."""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ultrafleet", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        # Bash writes ${#array[@]}, which jinja would read as the start of a comment.
        comment_start_string="<%#",
        comment_end_string="#%>",
    )


def render(name: str, **variables) -> str:
    return _environment().get_template(name).render(**variables)
