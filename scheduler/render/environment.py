"""The Jinja2 environment for post templates: lookup order, strictness, error translation.

Lookup, most specific first: `<section>.<platform>.j2` (section slugified, e.g.
`vernetzt.mastodon.j2`), then `<platform>.j2`, then `default.j2` — first in the team's templates
folder (when there is one), then among the defaults shipped in the package (`PACKAGED`). So a team
folder overrides the defaults file by file, and the tool works without one (from any folder).

Templates run in Jinja2's `SandboxedEnvironment`: a template (say, one from a fork's pull request
that CI previews) can shape text but cannot reach Python's internals (`__class__`, `__globals__` …),
so it cannot run commands or read files; nor can one `**` or `*` make a number or a text so large
that it ties up the machine (`9 ** 9 ** 9`, `'x' * 10 ** 9`). A refused access is a `TemplateError`
with file and line.
"""

from __future__ import annotations

import math
import re
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from scheduler.errors import TemplateError
from scheduler.models import slugify

T = TypeVar("T")

#: The default templates, shipped inside the package (package data).
PACKAGED = Path(__file__).with_name("templates")


#: The largest result of `*` in a template (items of a text or list) and of `**` (digits of a number:
#: Python shows no more than 4,300).
MAX_RESULT, MAX_DIGITS = 100_000, 4_300


class Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox, with `*` held to results of `MAX_RESULT` items and `**` to `MAX_DIGITS` digits."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if (
            operator == "**"
            and isinstance(left, int)
            and isinstance(right, int)
            and abs(left) > 1
            and right * math.log10(abs(left)) > MAX_DIGITS
        ):
            raise SecurityError(f"{left} ** {right} is too large (more than {MAX_DIGITS:,} digits)")
        if operator == "*":
            size, times = (
                (len(left), right)
                if isinstance(left, (str, list, tuple)) and isinstance(right, int)
                else (len(right), left)
                if isinstance(right, (str, list, tuple)) and isinstance(left, int)
                else (0, 0)
            )
            if size * times > MAX_RESULT:
                raise SecurityError(f"a repetition of {size * times:,} items is too large (more than {MAX_RESULT:,})")
        return super().call_binop(context, operator, left, right)


def make_environment(templates_dir: Path | None) -> SandboxedEnvironment:
    """An environment reading `templates_dir` (the team's templates; None: none) before the packaged
    defaults. A folder that was named but does not exist is a `TemplateError`."""
    if templates_dir is not None and templates_dir.is_file():
        raise TemplateError(
            f"templates folder {str(templates_dir)!r} is a file; name a folder in "
            "SCHEDULER_TEMPLATES_DIR, or unset it to use the default templates"
        )
    if templates_dir is not None and not templates_dir.is_dir():
        raise TemplateError(
            f"templates folder {str(templates_dir)!r} not found; create it, or unset SCHEDULER_TEMPLATES_DIR "
            "to use the default templates"
        )
    folders = ([templates_dir] if templates_dir is not None else []) + [PACKAGED]
    return Sandbox(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(folder) for folder in folders]),
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


def _folders(environment: jinja2.Environment | None) -> str:
    """Where `environment` looks for templates, for messages: `my-templates or the default templates`."""
    loader = environment.loader if environment is not None else None
    loaders = loader.loaders if isinstance(loader, jinja2.ChoiceLoader) else [loader] if loader else []
    places = [
        str(path) if Path(path) != PACKAGED else "the default templates"
        for each in loaders
        if isinstance(each, jinja2.FileSystemLoader)
        for path in each.searchpath
    ]
    return " or ".join(places) or "the templates folder"


#: Jinja2 names a template's variable by its Python class: `'scheduler.models.Item object'`.
_OBJECT = re.compile(r"'(?:\w+\.)*(\w+) object'")


def translated(call: Callable[[], T], environment: jinja2.Environment | None = None) -> T:
    """Run `call`, turning any Jinja2 error into a `TemplateError` with file and line, naming the
    folders of `environment` when a template is not found."""
    try:
        return call()
    except TemplateError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", template=exc.filename or exc.name, line=exc.lineno) from None
    except jinja2.TemplatesNotFound as exc:
        names = ", ".join(str(name) for name in exc.templates)
        raise TemplateError(
            f"no template found in {_folders(environment)} (looked for {names}); create one of them"
        ) from None
    except jinja2.TemplateNotFound as exc:
        template, line = _template_frame(exc)
        raise TemplateError(
            f"template {exc.name!r} not found in {_folders(environment)} (included or extended)",
            template=template,
            line=line,
        ) from None
    except Exception as exc:  # noqa: BLE001 - a template can raise anything while rendering (undefined names, bad filters): each becomes a TemplateError
        template, line = _template_frame(exc)
        message = str(exc) if not isinstance(exc, jinja2.UndefinedError) else f"undefined: {exc}"
        message = _OBJECT.sub(lambda match: match.group(1).lower(), message)  # item, issue: as the template names them
        raise TemplateError(message or type(exc).__name__, template=template, line=line) from None


def _has(environment: jinja2.Environment, loader: jinja2.BaseLoader, name: str) -> bool:
    try:
        loader.get_source(environment, name)
    except jinja2.TemplateNotFound:
        return False
    return True


def select(environment: jinja2.Environment, section: str, platform: str) -> jinja2.Template:
    """The most specific template in the team's folder; only when it has none, the packaged default's."""
    names = candidate_names(section, platform)
    loaders = environment.loader.loaders if isinstance(environment.loader, jinja2.ChoiceLoader) else []
    for loader in loaders:
        for name in names:
            if _has(environment, loader, name):
                return translated(partial(environment.get_template, name), environment)
    choices: list[str | jinja2.Template] = list(names)
    return translated(lambda: environment.select_template(choices), environment)


def render(template: jinja2.Template, context: dict[str, Any]) -> str:
    return translated(lambda: template.render(context), template.environment)
