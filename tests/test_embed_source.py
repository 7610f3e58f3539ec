"""How `/embed.js` drops comment lines from the script without dropping any code."""

import shutil
import subprocess

import pytest

from annotations.embed import SCRIPT, without_comment_lines


@pytest.mark.parametrize(
    ("source", "served"),
    [
        ("// a note\nrun();\n", "run();\n"),
        ("  /* one line */\nrun();\n", "run();\n"),
        ("/*\n * several\n * lines\n */\nrun();\n", "run();\n"),
        ("/* a */ run();\nnext();\n", "run();\nnext();\n"),
        ("/*\n still a note\n*/ run();\nnext();\n", "run();\nnext();\n"),
        ("/**/\nrun();\n", "run();\n"),
        ('const url = "http://x/*";\nrun(); // trailing stays\n', None),
    ],
)
def test_only_comment_text_is_dropped(source, served):
    assert without_comment_lines(source) == (source if served is None else served)


def test_the_served_script_is_the_source_less_some_lines_and_still_parses(tmp_path):
    source = [line.strip() for line in SCRIPT.read_text(encoding="utf-8").splitlines()]
    served = without_comment_lines(SCRIPT.read_text(encoding="utf-8"))
    remaining = iter(source)
    # Every served line is a source line, in order: nothing was rewritten or moved.
    assert all(line.strip() in remaining for line in served.splitlines())
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the browser tests run the served script")
    copy = tmp_path / "embed.js"
    copy.write_text(served, encoding="utf-8")
    check = subprocess.run([node, "--check", str(copy)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
