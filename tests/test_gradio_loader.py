"""Gradio through assistant.gradio_loader: its components work, and defining one writes no .pyi stub."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from assistant.gradio_loader import gr
import gradio.component_meta as meta
import widget
with gr.Blocks() as demo:
    box = gr.Textbox(label="问题")
    mine = widget.Widget(value="x")
print(json.dumps({"writer": meta.create_or_modify_pyi.__module__, "label": box.label,
                  "value": mine.value, "config": "问题" in json.dumps(demo.get_config_file(), ensure_ascii=False)}))
"""

WIDGET = '''
from gradio.components.textbox import Textbox


class Widget(Textbox):
    """A component defined outside Gradio: Gradio would write widget.pyi beside it."""
'''


def test_components_are_defined_without_writing_stubs(tmp_path):
    (tmp_path / "widget.py").write_text(WIDGET, encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                            "GRADIO_ANALYTICS_ENABLED": "False"})
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"writer": "assistant.gradio_loader", "label": "问题", "value": "x", "config": True}
    assert not (tmp_path / "widget.pyi").exists()
