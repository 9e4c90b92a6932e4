"""Gradio, imported without re-writing its type stubs: the page modules import `gr` from here.

When a Gradio component class is defined, `gradio.component_meta.create_or_modify_pyi` reads the class's
source, parses it with `ast`, renders a jinja template and re-writes the `.pyi` stub beside it — an aid for
type checkers that costs about 1 s of the 2.7 s `import gradio` takes on this machine, and writes into
site-packages (or beside any module defining a component) at run time. Nothing at run time reads those
stubs, so that one function is replaced by a no-op as its module is loaded; everything else is Gradio's.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

STUB_WRITER_MODULE = "gradio.component_meta"


def _no_stub(component_class, class_name, events) -> None:
    """Stands in for create_or_modify_pyi: the stubs Gradio ships are left as they are."""


class _SkipStubWriter(importlib.abc.MetaPathFinder):
    """Finds gradio.component_meta as usual, then swaps its stub writer out right after it runs."""

    def find_spec(self, name, path, target=None):
        if name != STUB_WRITER_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.create_or_modify_pyi = _no_stub

        spec.loader.exec_module = exec_module
        return spec


if not any(isinstance(finder, _SkipStubWriter) for finder in sys.meta_path):
    sys.meta_path.insert(0, _SkipStubWriter())

import gradio as gr  # noqa: E402  (after the finder: the components are defined during this import)

__all__ = ["gr"]
