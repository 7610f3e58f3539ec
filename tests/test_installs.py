"""The installed environment matches the hashed locks, and every ingest path imports in it."""

import ast
import json
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from annotations.ingest.formats import DOCX, HTML, MARKDOWN, PDF, TEXT
from tests.documents import make_docx, make_html_page, make_pdf, sample_paragraphs

ROOT = Path(__file__).resolve().parent.parent
INGEST_DIR = ROOT / "annotations" / "ingest"

# A child interpreter in isolated mode (-I: no PYTHONPATH, no user site, no current
# directory on the path), so that it sees only what the venv installs and a missing
# dependency surfaces as the ImportError a user would get, not masked by what the test
# process has already imported.
CHILD = textwrap.dedent(
    """
    import json, sys, traceback
    from pathlib import Path
    root, path, filename = sys.argv[1:]
    sys.path.insert(0, root)
    from annotations.ingest import IngestError, extract
    report = {}
    try:
        result = extract(Path(path).read_bytes(), filename=filename)
        report.update(media_type=result.media_type, text=result.text)
    except IngestError as error:
        report.update(refused=str(error))
    except Exception:
        report.update(crash=traceback.format_exc())
    report["modules"] = sorted(sys.modules)
    print(json.dumps(report))
    """
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"


def _samples() -> dict[str, tuple[str, bytes]]:
    paragraphs = sample_paragraphs()
    title, body = paragraphs[0], paragraphs[2:]
    return {
        # Windows-1252 bytes are not UTF-8, so decoding goes through charset-normalizer.
        "txt": ("article.txt", "\n\n".join(paragraphs).encode("cp1252")),
        "md": (
            "article.md",
            f"# {title}\n\n{body[1]}\n\n<p>Inline <b>HTML</b> in Markdown.</p>\n".encode(),
        ),
        "html": ("article.html", make_html_page(body, title=title, byline="Andrew Korybko")),
        "docx": ("article.docx", make_docx(paragraphs)),
        "pdf": ("article.pdf", make_pdf(paragraphs, title=title)),
        # A refused image is named by filetype in the message.
        "png": ("picture.txt", PNG),
    }


# The media type each sample comes out as, and the third-party modules its path must load.
EXPECTED = {
    "txt": (TEXT, {"charset_normalizer"}),
    "md": (MARKDOWN, {"markdown_it", "lxml.html"}),
    "html": (
        HTML,
        {"trafilatura", "justext", "lxml.html.clean", "lxml_html_clean", "htmldate", "courlan"},
    ),
    "docx": (DOCX, {"docx", "lxml.etree"}),
    "pdf": (PDF, {"pypdf"}),
    # Recognised by its signature, without the format-naming library.
    "png": (None, set()),
}


@pytest.fixture(scope="module")
def extractions(tmp_path_factory) -> dict[str, dict]:
    """Each sample extracted through `annotations.ingest.extract` in its own interpreter."""
    folder = tmp_path_factory.mktemp("ingest-samples")
    reports = {}
    for kind, (filename, data) in _samples().items():
        path = folder / filename
        path.write_bytes(data)
        done = subprocess.run(
            [sys.executable, "-I", "-c", CHILD, str(ROOT), str(path), filename],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{kind}: the interpreter failed\n{done.stderr}"
        reports[kind] = json.loads(done.stdout.splitlines()[-1])
    return reports


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_each_ingest_format_extracts_in_a_clean_interpreter(extractions, kind):
    """A sample of each format goes through `extract` with only what the venv provides."""
    report = extractions[kind]
    media_type, modules = EXPECTED[kind]
    assert "crash" not in report, report["crash"]
    if media_type is None:
        assert report.get("refused") == (
            "the file is a PNG image, not a text, HTML, Word or PDF document"
        )
    else:
        assert "refused" not in report, report["refused"]
        assert report["media_type"] == media_type
        assert "Over 160,000 people listened in at once" in report["text"]
    missing = modules - set(report["modules"])
    assert not missing, f"{kind} did not load {sorted(missing)}"


def test_html_extraction_uses_lxml_html_clean(extractions):
    """trafilatura's HTML cleaning lives in a separate distribution; the lock must carry it."""
    assert "lxml_html_clean" in extractions["html"]["modules"]
    assert "lxml-html-clean" in _lock(ROOT / "requirements.txt")


def test_every_ingest_module_is_loaded_by_some_sample(extractions):
    """A new format module under annotations/ingest/ needs a sample here too."""
    modules = {
        f"annotations.ingest.{path.stem}"
        for path in INGEST_DIR.glob("*.py")
        if path.stem != "__init__"
    }
    loaded = {name for report in extractions.values() for name in report["modules"]}
    assert modules - loaded == set()


# --- the locks ----------------------------------------------------------------------------

_LINE = re.compile(r"^[A-Za-z0-9]")


def _lock(path: Path) -> dict[str, dict]:
    """The entries of a hashed lock: name -> {requirement, version, hashes}."""
    entries: dict[str, dict] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if _LINE.match(line):
            requirement = Requirement(line.rstrip(" \\"))
            pins = [spec.version for spec in requirement.specifier if spec.operator == "=="]
            assert len(pins) == 1, f"{path.name}: {line.strip()} is not pinned with =="
            current = {"requirement": requirement, "version": pins[0], "hashes": []}
            entries[canonicalize_name(requirement.name)] = current
        elif line.strip().startswith("--hash=") and current is not None:
            current["hashes"].append(line.strip().rstrip(" \\").removeprefix("--hash="))
        elif line.strip() and not line.lstrip().startswith("#"):
            pytest.fail(f"{path.name}: unexpected line {line!r}")
    return entries


def _direct(path: Path) -> dict[str, Requirement]:
    """The pinned requirements an .in file names itself (its -r/-c lines left out)."""
    requirements = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            requirements[canonicalize_name(requirement.name)] = requirement
    return requirements


def _applies(requirement: Requirement, extras: set[str] | frozenset = frozenset()) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in extras or {""})


@pytest.mark.parametrize("lock_file", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_release_carries_hashes(lock_file):
    """A line added by hand without hashes would make `pip --require-hashes` refuse the lock."""
    unhashed = [name for name, entry in _lock(ROOT / lock_file).items() if not entry["hashes"]]
    assert unhashed == [], (
        f"{lock_file} lists {unhashed} without hashes: put the pinned line in the .in file "
        "and run `make lock`"
    )


@pytest.mark.parametrize(
    ("in_file", "lock_file"),
    [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")],
)
def test_every_direct_dependency_is_locked_at_its_pin(in_file, lock_file):
    """The lock was regenerated after the last change to the .in file's pins."""
    lock = _lock(ROOT / lock_file)
    stale = [
        str(requirement)
        for name, requirement in _direct(ROOT / in_file).items()
        if name not in lock or lock[name]["version"] not in requirement.specifier
    ]
    assert stale == [], f"run `make lock`: {stale} not in {lock_file} at that version"


def test_the_runtime_lock_is_part_of_the_dev_lock_at_the_same_versions():
    """`make test` tests the releases that `make run` and the image install."""
    runtime, dev = _lock(ROOT / "requirements.txt"), _lock(ROOT / "requirements-dev.txt")
    differing = {
        name: (entry["version"], dev.get(name, {}).get("version"))
        for name, entry in runtime.items()
        if dev.get(name, {}).get("version") != entry["version"]
    }
    assert differing == {}


def test_every_locked_release_is_installed_at_its_pinned_version():
    """The running environment is the dev lock (runtime included), release for release."""
    wrong = {}
    for name, entry in _lock(ROOT / "requirements-dev.txt").items():
        if not _applies(entry["requirement"]):
            continue
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != entry["version"]:
            wrong[name] = (entry["version"], installed)
    assert wrong == {}, f"locked vs installed (run `make .venv/.dev`): {wrong}"


@pytest.mark.parametrize(
    ("in_file", "lock_file"),
    [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")],
)
def test_the_lock_is_closed_under_dependencies_and_extras(in_file, lock_file):
    """Everything the direct dependencies require, extras included, is in the lock.

    Walks the installed metadata from the .in file's requirements: `lxml[html_clean]`
    (asked for by trafilatura) must bring `lxml-html-clean` into the lock, as `pip install
    --no-deps` installs nothing that the lock does not name.
    """
    lock = _lock(ROOT / lock_file)
    direct = {name: r for name, r in _direct(ROOT / in_file).items()}
    if in_file == "requirements-dev.in":
        direct.update(_direct(ROOT / "requirements.in"))
    queue = [(name, set(requirement.extras)) for name, requirement in direct.items()]
    seen: set[tuple[str, frozenset]] = set()
    problems = []
    while queue:
        name, extras = queue.pop()
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is locked but not installed")
            continue
        for text in requires:
            requirement = Requirement(text)
            if not _applies(requirement, extras):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency not in lock:
                problems.append(f"{name} needs {requirement}, which is not locked")
            elif not requirement.specifier.contains(lock[dependency]["version"], prereleases=True):
                problems.append(f"{name} needs {requirement}, locked {lock[dependency]['version']}")
            else:
                queue.append((dependency, set(requirement.extras)))
    assert problems == []


@pytest.mark.parametrize("build_file", ["Makefile", "Dockerfile"])
def test_installs_take_exactly_the_lock(build_file):
    """pip installs the locked files only: hash-checked, with no resolution of its own."""
    installs = [
        line
        for line in (ROOT / build_file).read_text(encoding="utf-8").splitlines()
        if "pip install" in line and not line.lstrip().startswith("#")
    ]
    assert installs, f"{build_file} installs nothing"
    for line in installs:
        assert "--require-hashes" in line and "--no-deps" in line, line


def _imported_top_level_names() -> dict[str, str]:
    """Top-level names the project's code imports (absolute imports), with one file each."""
    names: dict[str, str] = {}
    files = [ROOT / "manage.py"]
    for folder in ("annotations", "factcheck", "tests", "bench"):
        files += sorted((ROOT / folder).rglob("*.py"))
    for path in files:
        for node in ast.walk(ast.parse(path.read_bytes(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                names.setdefault(module.split(".")[0], str(path.relative_to(ROOT)))
    return names


def test_every_third_party_import_comes_from_a_locked_distribution():
    """A package installed by hand and imported works here but not in a fresh venv."""
    own = {"annotations", "factcheck", "tests", "bench", "manage"}
    providers = metadata.packages_distributions()
    locked = set(_lock(ROOT / "requirements-dev.txt"))
    # Experiments (bench/experiments) pin what they need beyond the locks in their own file;
    # nothing else may import those.
    experiment_only = {
        canonicalize_name(line.split("==")[0])
        for line in (ROOT / "bench/experiments/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    unlocked = {
        name: where
        for name, where in _imported_top_level_names().items()
        if name not in sys.stdlib_module_names
        and name not in own
        and not locked & {canonicalize_name(dist) for dist in providers.get(name, [])}
        and not (
            where.startswith("bench/experiments/")
            and canonicalize_name(name.replace("_", "-")) in experiment_only
        )
    }
    assert unlocked == {}, "imported but not provided by the lock (add to requirements*.in)"
