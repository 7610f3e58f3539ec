"""Run the W3C Web Annotation test schemas (draft-04 JSON Schemas) on a JSON document.

The recipe of the upstream README: every file of `definitions/` is registered under its
own `id` in a `referencing` registry; each assertion of a `.test` file is compiled with
`Draft4Validator` and passes when `is_valid(document)` equals its `expectedResult`. A `uri`
format checker is registered, without which every IRI assertion would pass vacuously.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).parent
ANNOTATION_MUSTS = "annotations/annotationMusts.test"
ANNOTATION_OPTIONALS = "annotations/annotationOptionals.test"
AGENT_OPTIONALS = "annotations/annotationsAgentOptionals.test"
COLLECTION_MUSTS = "collections/collectionMusts.test"
COLLECTION_OPTIONALS = "collections/collectionOptionals.test"
PAGE_MUSTS = "collections/pages/pageMusts.test"
PAGE_OPTIONALS = "collections/pages/pageOptionals.test"

# ajv's "fast" uri rule, as the test suite's own runner used: a scheme, a colon, no spaces.
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:\S*$", re.IGNORECASE)
FORMATS = FormatChecker()


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


@dataclass(frozen=True)
class Outcome:
    """One assertion's result on one document."""

    file: str
    title: str
    kind: str  # "must", "should" or "may"
    passed: bool
    message: str


@functools.cache
def registry() -> Registry:
    """Every definitions library under its bare id (e.g. "id.json")."""
    resources = []
    for path in sorted((ROOT / "definitions").glob("*.json")):
        schema = json.loads(path.read_text())
        resources.append(
            (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        )
    return Registry().with_resources(resources)


@functools.cache
def _load(name: str) -> dict:
    return json.loads((ROOT / name).read_text())


@functools.cache
def _validator(name: str) -> Draft4Validator:
    return Draft4Validator(_load(name), registry=registry(), format_checker=FORMATS)


def _assertion_file(name: str, test: str) -> str:
    return name if "/" in name else str(Path(test).parent / name)


def _walk(items, test: str, document, outcomes: list[Outcome]) -> bool:
    """Run a list of assertions; returns False when one says to stop (failAndSkip/Abort)."""
    for item in items:
        if isinstance(item, list):
            if not _walk(item, test, document, outcomes):
                return False
            continue
        overrides = {}
        if isinstance(item, dict):
            overrides, item = item, item["assertionFile"]
        name = _assertion_file(item, test)
        schema = {**_load(name), **{k: v for k, v in overrides.items() if k != "assertionFile"}}
        expected = schema.get("expectedResult", "valid") == "valid"
        passed = _validator(name).is_valid(document) == expected
        outcomes.append(
            Outcome(
                file=name,
                title=schema.get("title", name),
                kind=schema.get("assertionType", "must"),
                passed=passed,
                message="" if passed else schema.get("errorMessage", schema.get("title", name)),
            )
        )
        if not passed and schema.get("onUnexpectedResult") == "failAndAbort":
            return False
        if not passed and schema.get("onUnexpectedResult") == "failAndSkip":
            # Skips the rest of this group; the caller's list goes on.
            return True
    return True


def run(test: str, document) -> list[Outcome]:
    """Every assertion of the `.test` file `test` (relative to this folder) on `document`."""
    outcomes: list[Outcome] = []
    _walk(_load(test)["assertions"], test, document, outcomes)
    return outcomes


def failures(test: str, document, *, kind: str | None = None) -> list[Outcome]:
    """The assertions of `test` that `document` fails, of one `kind` if given."""
    return [o for o in run(test, document) if not o.passed and kind in (None, o.kind)]


def must_failures(document, *, as_: str = "annotation") -> list[Outcome]:
    """The MUST assertions an annotation, collection or page fails."""
    test = {"annotation": ANNOTATION_MUSTS, "collection": COLLECTION_MUSTS, "page": PAGE_MUSTS}
    return failures(test[as_], document)


def should_failures(document, *, as_: str = "annotation") -> list[Outcome]:
    """The SHOULD assertions of the optional tests that `document` fails."""
    tests = {
        "annotation": (ANNOTATION_OPTIONALS, AGENT_OPTIONALS),
        "collection": (COLLECTION_OPTIONALS,),
        "page": (PAGE_OPTIONALS,),
    }[as_]
    return [o for test in tests for o in failures(test, document, kind="should")]
