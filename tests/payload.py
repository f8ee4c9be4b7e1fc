"""Study folders whose every free-text value carries HTML and MyST markup (an injection test)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ruxlib.schema import SPECS

HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
MYST = "{ref}`nowhere` **bold** [link](javascript:alert(3)) $x$"
PAYLOAD = f"{HTML} {MYST}"
KEEP = {"PARAMCD", "SEX", "ITTFL", "USUBJID", "D28STAT", "EOTREAS", "ABLFL", "AESER", "LNREXCL"}


def poison(folder: Path) -> Path:
    """Append the payload to every free-text column of every CSV (values stay distinct)."""
    for name, spec in SPECS.items():
        path = folder / name
        if not path.exists():
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for col in spec.columns:
            if col.kind == "str" and col.allowed is None and col.name not in KEEP and col.name in frame:
                frame[col.name] = [f"{v} {PAYLOAD}" if v else v for v in frame[col.name]]
        frame.to_csv(path, index=False)
    (folder / "study.yml").write_text(
        "title: 'Trial " + PAYLOAD.replace("'", "''") + "'\n"
        "drug: '" + PAYLOAD.replace("'", "''") + "'\n"
        "population: '" + PAYLOAD.replace("'", "''") + "'\n",
        encoding="utf-8",
    )
    return folder
