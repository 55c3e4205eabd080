"""The Jinja2 environment for post templates: lookup order, strictness, error translation.

Lookup, most specific first: `<section>.<platform>.j2` (section slugified, e.g.
`vernetzt.mastodon.j2`), then `<platform>.j2`, then `default.j2`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jinja2

from scheduler.errors import TemplateError
from scheduler.models import slugify

T = TypeVar("T")


def make_environment(templates_dir: Path) -> jinja2.Environment:
    if not templates_dir.is_dir():
        raise TemplateError(
            f"templates folder {str(templates_dir)!r} not found; set SCHEDULER_TEMPLATES_DIR or run from the project folder"
        )
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def candidate_names(section: str, platform: str) -> list[str]:
    names = [f"{platform}.j2", "default.j2"]
    if slugify(section):
        names.insert(0, f"{slugify(section)}.{platform}.j2")
    return names


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template file (Jinja rewrites frames so)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return None, None


def translated(call: Callable[[], T]) -> T:
    """Run `call`, turning any Jinja2 error into a `TemplateError` with file and line."""
    try:
        return call()
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", template=exc.filename or exc.name, line=exc.lineno) from None
    except jinja2.TemplatesNotFound as exc:
        names = ", ".join(str(name) for name in exc.templates)
        raise TemplateError(f"no template found (looked for {names}); create one of them") from None
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"template {exc.name!r} not found (included or extended)") from None
    except Exception as exc:  # errors raised while rendering: undefined names, bad filters, …
        template, line = _template_frame(exc)
        message = str(exc) if not isinstance(exc, jinja2.UndefinedError) else f"undefined: {exc}"
        raise TemplateError(message or type(exc).__name__, template=template, line=line) from None


def select(environment: jinja2.Environment, section: str, platform: str) -> jinja2.Template:
    names: list[str | jinja2.Template] = list(candidate_names(section, platform))
    return translated(lambda: environment.select_template(names))


def render(template: jinja2.Template, context: dict[str, Any]) -> str:
    return translated(lambda: template.render(context))
