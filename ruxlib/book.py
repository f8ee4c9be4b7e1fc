"""Small helpers the book's pages share: the reconstructed-data banner, glue, skips."""

from __future__ import annotations

import re

from IPython.display import Markdown, display

from .io import Study

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")


def literal(value) -> str:
    r"""``value`` as literal MyST text: every ASCII punctuation mark escaped, lines joined.

    Data values (terms, titles from ``study.yml``) are inserted into Markdown only through this
    function, so that no value from a study folder is ever read as markup.

    >>> print(literal("<b>x</b> {ref}`y`"))
    \<b\>x\<\/b\> \{ref\}\`y\`
    """
    return _PUNCT.sub(r"\\\1", " ".join(str(value).split()))


def banner(study: Study) -> None:
    """Show a note saying which study folder the page runs on, and warn if reconstructed."""
    if study.reconstructed:
        text = (
            "```{admonition} Reconstructed data\n:class: warning\n"
            f"This page runs on **{literal(study.title)}** ({study.n} subjects): pseudo patient-level data "
            "reconstructed from the published aggregates so that they reproduce every printed number. "
            "They are **not** the trial's records. See {ref}`reconstruction`.\n```"
        )
    else:
        text = (
            "```{admonition} Study folder\n:class: note\n"
            f"This page runs on **{literal(study.title)}** ({study.n} subjects).\n```"
        )
    display(Markdown(text))


def glue(name: str, value, display_value: bool = False):
    """Glue ``value`` under ``name`` for ``{glue:text}`` in the prose; returns the value."""
    from myst_nb import glue as _glue

    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar -> Python number, so {glue:text} can format it
    _glue(name, value, display=display_value)
    return value


def require(study: Study, *datasets: str, glue_names: tuple[str, ...] = ()) -> bool:
    """Whether ``study`` has every dataset named; if not, say so visibly and glue placeholders.

    A page whose data are absent still builds: the names in ``glue_names``
    are glued as NaN (shown as "nan"), which every numeric format spec in the prose
    accepts, so a strict build does not fail on a missing file; the note says why.
    """
    missing = [d for d in datasets if not study.has(d)]
    if not missing:
        return True
    files = ", ".join(f"{d}.csv" for d in missing)
    display(Markdown(
        "```{admonition} Not available\n:class: note\n"
        f"This study folder has no {files}; this part of the book is skipped.\n```"
    ))
    for name in glue_names:
        glue(name, float("nan"))
    return False
