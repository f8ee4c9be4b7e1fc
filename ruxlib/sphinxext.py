"""Sphinx glue for the book: links from page code to the API reference (sphinx-codeautolink).

Listed in ``_config.yml`` (``extra_extensions``). It loads ``sphinx_codeautolink`` after one
guard: its block analyser pops a section title on leaving every section, but a myst-nb page
can hold a section whose title it never visited (0.17.5 and 0.20.0 stop the build with
``IndexError: pop from empty list``). The guard pops only what was pushed; links are unchanged.
"""

from __future__ import annotations


def _depart_section(self, node) -> None:
    """Leave a section: forget its title, if one was recorded."""
    if self.title_stack:
        self.title_stack.pop()


def setup(app):
    from sphinx_codeautolink.extension import block

    block.CodeBlockAnalyser.depart_section = _depart_section
    app.setup_extension("sphinx_codeautolink")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
