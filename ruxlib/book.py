"""Small helpers the book's pages share: the reconstructed-data banner, glue, skips, the comparison."""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd
from IPython.display import HTML, Markdown, display

from . import pages, tables
from .audit import BY_CONSTRUCTION
from .claims import compare, load_claims, select
from .io import Study

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")

tables.use_in_notebooks()  # a page that imports this module shows every DataFrame in the book's table style


def literal(value) -> str:
    r"""``value`` as literal MyST text: every ASCII punctuation mark escaped, lines joined.

    Data values (terms, titles from ``study.yml``) are inserted into Markdown only through this
    function, so that no value from a study folder is ever read as markup.

    >>> print(literal("<b>x</b> {ref}`y`"))
    \<b\>x\<\/b\> \{ref\}\`y\`
    """
    return _PUNCT.sub(r"\\\1", " ".join(str(value).split()))


def banner_text(study: Study, uses: tuple[str, ...] | None = None) -> str:
    """The banner's MyST: which study folder, whether reconstructed, and what ``check`` warned.

    Parameters
    ----------
    study : Study
        The loaded study folder.
    uses : tuple of str, optional
        Datasets the page reads (``("adtte",)``); only their warnings (and those about
        ``adsl`` and ``study.yml``) are shown. Default: every warning.
    """
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
    shown = ("adsl", "study", *(uses or ()))
    warnings = [w for w in study.warnings if uses is None or w.split(".")[0].split()[0].lower() in shown]
    if warnings:
        items = "\n".join(f"- {literal(w)}" for w in warnings)
        text += (
            "\n\n```{admonition} What ruxlib check warned about\n:class: warning\n"
            "These values are possible but unusual; the analyses below use them as they are.\n\n"
            f"{items}\n```"
        )
    return text


def banner(study: Study, uses: tuple[str, ...] | None = None) -> None:
    """Show :func:`banner_text`: the study folder, whether reconstructed, and check's warnings."""
    display(Markdown(banner_text(study, uses)))


def glue(name: str, value, display_value: bool = False):
    """Glue ``value`` under ``name`` for ``{glue:text}`` in the prose; returns the value."""
    from myst_nb import glue as _glue

    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar -> Python number, so {glue:text} can format it
    _glue(name, value, display=display_value)
    return value


def glue_all(values: Mapping[str, object]) -> dict[str, object]:
    """Glue every value a page's entry point returned (:func:`ruxlib.pages.glued`); returns them.

    A ``None`` is glued as is: the build leaves out the sentences that quote it.
    """
    shown = pages.glued(values)
    for name, value in shown.items():
        glue(name, value)
    return shown


def require(study: Study, *datasets: str) -> bool:
    """Whether ``study`` has every dataset named; if not, say so visibly in a note."""
    missing = [d for d in datasets if not study.has(d)]
    if not missing:
        return True
    files = ", ".join(f"{d}.csv" for d in missing)
    display(Markdown(
        "```{admonition} Not available\n:class: note\n"
        f"This study folder has no {files}; this part of the book is skipped.\n```"
    ))
    return False


def show_by_arm(table: pd.DataFrame | None, caption: str) -> None:
    """Show a by-arm table (:func:`ruxlib.arms.by_arm`) under a caption; nothing for a single-arm study."""
    if table is None:
        return
    display(Markdown(f"**{literal(caption)}**"))
    display(table)


def compare_with_paper(study: Study, page_label: str, values: Mapping[str, object]) -> pd.DataFrame:
    """Show the page's ledger rows beside the values its entry point computed, and say what a match means.

    Each claim of the page (ledger column ``page``) takes the value that its ``value`` column
    names in ``values``. Glues ``<page_label>-claims-checked`` and ``-claims-matched`` (the
    claims with status ``reproduced``, and how many match), shows the table and a sentence
    under it. On the paper's reconstruction (``study.publication``) a match is *by
    construction*, and the table and the sentence say so.

    Parameters
    ----------
    study : Study
        The study folder the page runs on.
    page_label : str
        The page's label, e.g. ``"km-survival"``.
    values : mapping
        What the page's entry point returned (:mod:`ruxlib.pages`).

    Returns
    -------
    pandas.DataFrame
        :func:`ruxlib.claims.compare`'s table with ``match`` in words.
    """
    rows = select(load_claims(), page_label)
    computed = {r.id: pages.lookup(r.value, {page_label: values}) for r in rows.itertuples() if r.value}
    table = compare(rows, computed)
    checkable = table["status"].eq("reproduced")
    matched = int((checkable & table["match"]).sum())
    glue(f"{page_label}-claims-checked", int(checkable.sum()))
    glue(f"{page_label}-claims-matched", matched)
    table["match"] = [_match_text(r, study.publication) for r in table.itertuples()]
    display(Markdown(_comparison_sentence(int(checkable.sum()), matched, study.publication)))
    display(HTML(folded(_comparison_gt(table, rows["decimals"].tolist()).as_raw_html(), len(table),
                        "published numbers beside the values computed from this study folder")))
    return table


FOLD_ROWS = 8
"""Tables longer than this many rows are shown folded (a click opens them)."""


def folded(html: str, n_rows: int, what: str) -> str:
    r"""``html`` inside a ``<details>`` element when the table has more than :data:`FOLD_ROWS` rows.

    >>> folded("<table/>", 3, "rows")
    '<table/>'
    >>> folded("<table/>", 20, "rows")
    '<details class="ruxbook-fold"><summary>Show the 20 rows</summary>\n<table/>\n</details>'
    """
    if n_rows <= FOLD_ROWS:
        return html
    return f'<details class="ruxbook-fold"><summary>Show the {n_rows} {what}</summary>\n{html}\n</details>'


def _match_text(row, publication: bool) -> str:
    if row.status != "reproduced":
        return ""
    if row.match:
        return "✓ matches by construction" if publication else "✓ reproduced"
    if row.computed is None:
        return "✗ not reproduced: not computable from this study folder"
    return f"✗ not reproduced: computed {row.computed}, the paper prints {row.reported}"


def _comparison_sentence(checked: int, matched: int, publication: bool) -> str:
    why = f" by construction: {BY_CONSTRUCTION}." if publication else "."
    if matched == checked:
        return f"All {checked} checkable numbers on this page match the paper{why}"
    missed = checked - matched
    return (f"{matched} of the {checked} checkable numbers on this page match the paper{why} "
            f"{missed} {'is' if missed == 1 else 'are'} not reproduced; the table says why.")


def _comparison_gt(table: pd.DataFrame, decimals: list[int]):
    """The comparison as a great_tables table, mismatches in red."""
    from great_tables import GT, loc, style

    shown = table.drop(columns=["source"])
    shown["computed"] = [computed_text(v, d, r) for v, d, r in
                         zip(shown["computed"], decimals, shown["reported"], strict=True)]
    gt = (
        GT(shown)
        .tab_header(title="Published numbers and the values computed from this study folder")
        .cols_label(id="Ledger id", quantity="Quantity", reported="Paper", computed="Computed",
                    status="Status", match="Match")
        .cols_align(align="right", columns=["reported", "computed"])
        .tab_style(style=style.text(color="#c62828", weight="bold"),
                   locations=loc.body(columns="match", rows=[i for i, m in enumerate(shown["match"]) if m.startswith("✗")]))
        .tab_options(table_font_size="13px", data_row_padding="2px")
    )
    if shown["computed"].eq("—").any():
        gt = gt.tab_source_note("— : not computable from this study folder (the claim is context, or its data are absent).")
    return gt


def computed_text(value, decimals: int, reported: str) -> str:
    """A computed value as the comparison table shows it.

    Beside a plain printed number the value is rounded as the paper rounds it; beside an
    inequality or words (``"< 0.01"``, ``"more than one"``) rounding would hide what is
    checked, so three significant digits are shown (0.0055, not 0.01). Not computable: "—".

    >>> computed_text(0.8125, 2, "0.81"), computed_text(0.0055, 2, "< 0.01"), computed_text(1.114, 2, "more than one")
    ('0.81', '0.0055', '1.11')
    """
    if value is None or pd.isna(value):
        return "—"
    try:
        float(str(reported).replace("%", "").strip())
    except ValueError:
        return f"{float(value):.3g}"
    return f"{float(value):.{decimals}f}"
