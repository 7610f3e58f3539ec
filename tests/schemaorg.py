"""Checks of JSON-LD against the schema.org vocabulary and Google's ClaimReview rules."""

import functools
import gzip
import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "schemaorg"
VOCABULARY = DATA / "schemaorg-current-https-v30.0.jsonld.gz"

# Values of these types are written as JSON literals, not as nested objects.
_LITERAL_TYPES = {
    "Text",
    "URL",
    "Date",
    "DateTime",
    "Time",
    "Number",
    "Integer",
    "Float",
    "Boolean",
}


def _ids(value) -> list[str]:
    if value is None:
        return []
    values = value if isinstance(value, list) else [value]
    return [item["@id"].removeprefix("schema:") for item in values]


class Vocabulary:
    """The schema.org types and properties, with superclasses, domains and ranges."""

    def __init__(self, graph: list[dict]):
        self.types: dict[str, list[str]] = {}
        self.properties: dict[str, dict] = {}
        for node in graph:
            if not node["@id"].startswith("schema:"):
                continue
            name = node["@id"].removeprefix("schema:")
            kinds = node["@type"] if isinstance(node["@type"], list) else [node["@type"]]
            if "rdfs:Class" in kinds:
                self.types[name] = _ids(node.get("rdfs:subClassOf"))
            if "rdf:Property" in kinds:
                self.properties[name] = {
                    "domain": _ids(node.get("schema:domainIncludes")),
                    "range": _ids(node.get("schema:rangeIncludes")),
                    "superseded_by": _ids(node.get("schema:supersededBy")),
                }

    def ancestors(self, name: str) -> set[str]:
        """The type and every type it is a subclass of."""
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.types.get(current, []))
        return seen

    def problems(self, node, path: str = "$") -> list[str]:
        """Every unknown type, unknown or superseded property, and domain or range mismatch."""
        found = []
        if isinstance(node, list):
            for index, item in enumerate(node):
                found += self.problems(item, f"{path}[{index}]")
            return found
        if not isinstance(node, dict):
            return found
        kind = node.get("@type")
        if kind is not None and kind not in self.types:
            found.append(f"{path}: unknown type {kind}")
        holder = self.ancestors(kind) if kind else set()
        for key, value in node.items():
            if key.startswith("@"):
                continue
            where = f"{path}.{key}"
            term = self.properties.get(key)
            if term is None:
                found.append(f"{where}: unknown property {key}")
                continue
            if term["superseded_by"]:
                found.append(f"{where}: superseded by {', '.join(term['superseded_by'])}")
            if holder and not holder & set(term["domain"]):
                found.append(f"{where}: not a property of {kind}")
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and "@type" in item:
                    if not self.ancestors(item["@type"]) & set(term["range"]):
                        found.append(f"{where}: {item['@type']} is outside its range")
                elif not isinstance(item, dict) and not _LITERAL_TYPES & set(term["range"]):
                    found.append(f"{where}: a literal where {term['range']} is expected")
            found += self.problems(value, where)
        return found


@functools.cache
def vocabulary() -> Vocabulary:
    """schema.org v30.0, loaded once."""
    with gzip.open(VOCABULARY, "rt", encoding="utf-8") as file:
        return Vocabulary(json.load(file)["@graph"])


def example(name: str) -> dict:
    """One of the staged official examples, e.g. "google-factcheck-doc-example"."""
    return json.loads((DATA / f"{name}.jsonld").read_text(encoding="utf-8"))


def google_errors(review: dict) -> list[str]:
    """Google's required ClaimReview properties that are missing or wrong."""
    errors = []
    if review.get("@type") != "ClaimReview":
        errors.append("@type is not ClaimReview")
    if not review.get("url"):
        errors.append("url is missing")
    if not review.get("claimReviewed"):
        errors.append("claimReviewed is missing")
    rating = review.get("reviewRating")
    if not isinstance(rating, dict) or rating.get("@type") != "Rating":
        return [*errors, "reviewRating is missing"]
    if not rating.get("alternateName"):
        errors.append("reviewRating.alternateName is missing")
    value, best, worst = (rating.get(key) for key in ("ratingValue", "bestRating", "worstRating"))
    if value is not None:
        worst = 1 if worst is None else worst  # schema.org's documented default
        if best is None or not (best > worst >= 1 and worst <= value <= best):
            errors.append("reviewRating numbers are inconsistent")
    return errors


def google_warnings(review: dict) -> list[str]:
    """Google's recommended ClaimReview properties that are missing."""
    warnings = []
    author = review.get("author")
    if not isinstance(author, dict) or not author.get("name"):
        warnings.append("author.name is missing")
    if not review.get("datePublished"):
        warnings.append("datePublished is missing")
    item = review.get("itemReviewed")
    if not isinstance(item, dict):
        return [*warnings, "itemReviewed is missing"]
    if item.get("@type") != "Claim":
        warnings.append("itemReviewed is not a Claim")
    if not item.get("appearance") and not item.get("firstAppearance"):
        warnings.append("itemReviewed.appearance is missing")
    if "author" in item and not item["author"].get("name"):
        warnings.append("itemReviewed.author.name is missing")
    return warnings


def shape(node, path: str = "") -> set[str]:
    """The property paths of a JSON-LD tree, e.g. {"itemReviewed.appearance.url", ...}."""
    paths = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                continue
            here = f"{path}.{key}" if path else key
            paths.add(here)
            paths |= shape(value, here)
    elif isinstance(node, list):
        for item in node:
            paths |= shape(item, path)
    return paths
