"""Retraining the claim spotter with a newsroom's own accept, dismiss and hand-made claim labels."""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from annotations import services, spotting, spotting_train
from annotations.models import Article, Claim, Organization, SpotterModel, Suggestion
from annotations.permissions import SYSTEM
from annotations.services.suggestions import active_spotter

# A newsroom label counts this many times a public transcript sentence: there are far fewer
# of them, and they say what this newsroom wants.
NEWSROOM_WEIGHT = 5.0
HELD_OUT_SHARE = 0.3


def newsroom_documents(organization: Organization) -> list[spotting_train.Transcript]:
    """The organization's labelled articles as documents whose unlabelled sentences weigh 0.

    Labels: accepted suggestions (1), dismissed ones (0), and sentences that an editor made a
    claim on by hand (1). With FACTCHECK_SPOTTER_SHARE_LABELS, every organization's labels.
    """
    articles = Article.objects.filter(status=Article.Status.READY)
    if not settings.FACTCHECK_SPOTTER_SHARE_LABELS:
        articles = articles.filter(organization=organization)
    decided = Suggestion.objects.filter(article__in=articles).exclude(state=Suggestion.State.NEW)
    labels_by_article: dict[int, dict[str, int]] = {}
    for row in decided.values("article_id", "sentence_key", "state"):
        label = 1 if row["state"] == Suggestion.State.ACCEPTED else 0
        labels_by_article.setdefault(row["article_id"], {})[row["sentence_key"]] = label
    claimed: dict[int, list[tuple[int, int]]] = {}
    hand_made = Claim.objects.filter(article__in=articles, anchor_state=Claim.AnchorState.ANCHORED)
    for row in hand_made.values("article_id", "start", "end"):
        if row["start"] is not None and row["end"] is not None:
            claimed.setdefault(row["article_id"], []).append((row["start"], row["end"]))
    documents = []
    for article in articles.filter(pk__in=set(labels_by_article) | set(claimed)).order_by("pk"):
        keyed = labels_by_article.get(article.pk, {})
        spans = claimed.get(article.pk, [])
        # Split as it was scored (`suggestions_refresh`), or the sentence keys would not meet.
        sentences = spotting.split_sentences(article.text, language=article.language)
        labels, weights = [], []
        for sentence in sentences:
            label = keyed.get(spotting.sentence_key(sentence.text))
            if any(s < sentence.end and sentence.start < e for s, e in spans):
                label = 1  # a claim on this sentence is a positive, whatever was clicked
            labels.append(label or 0)
            weights.append(0.0 if label is None else NEWSROOM_WEIGHT)
        if any(weights):
            documents.append(
                spotting_train.Transcript(
                    f"article-{article.pk}",
                    [s.text for s in sentences],
                    labels,
                    group=f"article-{article.pk}",
                    weights=weights,
                )
            )
    return documents


def _labelled_map(model, documents) -> float | None:
    """MAP over the labelled sentences of each held-out article that has both kinds of label.

    An article with only positives (claims, accepts) ranks perfectly whatever the model does,
    so it says nothing; None when no article has a positive and a negative label.
    """
    scores, labels = [], []
    for document in documents:
        keep = [i for i, w in enumerate(document.weights) if w > 0]
        kept_labels = [document.labels[i] for i in keep]
        if not 0 < sum(kept_labels) < len(kept_labels):
            continue
        all_scores = model.score(document.sentences)
        scores.append([all_scores[i] for i in keep])
        labels.append(kept_labels)
    if not labels:
        return None
    return round(spotting_train.mean_average_precision(scores, labels), 4)


def _current_model(organization: Organization) -> spotting.SpotterModel:
    current = active_spotter(organization)
    return spotting.get_model(current.model_file.path) if current else spotting.get_model()


def _fit(organization, documents, like: spotting.SpotterModel) -> spotting.SpotterModel:
    """Fit on the public transcripts plus ``documents``, with ``like``'s method and C."""
    public = spotting_train.load_training(limit=settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT)
    return spotting_train.fit(
        public + documents,
        method=like.meta.get("method", spotting_train.DEFAULT_METHOD),
        c=float(like.meta.get("c", spotting_train.DEFAULT_C)),
        meta={
            "version": f"newsroom-{organization.slug}-{timezone.now():%Y%m%d%H%M%S}",
            "organization": organization.slug,
            "newsroom_documents": len(documents),
        },
    )


def trained_model(organization: Organization, *, log=print) -> spotting.SpotterModel:
    """A model trained on the public data plus all of the organization's labels (not stored)."""
    documents = newsroom_documents(organization)
    log(f"{len(documents)} labelled articles")
    return _fit(organization, documents, _current_model(organization))


def retrain(organization: Organization, *, row: SpotterModel | None = None, log=print) -> dict:
    """Retrain the organization's spotter on the public data plus its labels; keep it if not worse.

    A seeded share of the labelled articles is held out. MAP before (the model in use) and
    after is measured on those and on the public CLEF 2019 test set; the new model is kept,
    stored and made active only if neither got worse.
    """
    started = time.monotonic()
    documents = newsroom_documents(organization)
    report: dict = {
        "labelled_articles": len(documents),
        "labels": int(sum(sum(1 for w in d.weights if w > 0) for d in documents)),
        "positives": int(
            sum(sum(y for y, w in zip(d.labels, d.weights, strict=True) if w) for d in documents)
        ),
        "shared_labels": bool(settings.FACTCHECK_SPOTTER_SHARE_LABELS),
    }
    if row is None:
        # The command trains here, in its own process; the row still keeps it one at a time.
        row = services.spotter_train_request(organization=organization, actor=SYSTEM, queue=False)
        try:
            return _retrain_into(row, organization, documents, report, started, log)
        except BaseException as error:  # interrupted too: no job is left to record it
            services.spotter_train_fail(
                row=row, actor=SYSTEM, reason=f"{type(error).__name__}: {error}"[:300]
            )
            raise
    return _retrain_into(row, organization, documents, report, started, log)


def _retrain_into(row, organization, documents, report, started, log) -> dict:
    if not documents:
        report["message"] = "No labels yet: accept or dismiss suggestions, or make claims."
        finish(row, SpotterModel.State.REJECTED, report, None)
        log(report["message"])
        return report
    shuffled = list(documents)
    random.Random(spotting_train.SEED).shuffle(shuffled)  # noqa: S311 - a reproducible split
    held_count = max(1, round(len(shuffled) * HELD_OUT_SHARE)) if len(shuffled) > 1 else 0
    held, train = shuffled[:held_count], shuffled[held_count:]
    if not held:
        # One labelled article: judge on its own labels, the best a tiny newsroom can do.
        held = train = shuffled
        report["note"] = "Only one labelled article: its labels were used to train and to judge."
    public_test = spotting_train.load_test()
    before_model = _current_model(organization)
    if settings.FACTCHECK_SPOTTER_PUBLIC_LIMIT:
        # A slice of the public data (tests, quick trials): compare like with like, the same
        # slice without the newsroom's labels.
        before_model = _fit(organization, [], before_model)
    after_model = _fit(organization, train, before_model)
    report["before"] = {
        "held_out_map": _labelled_map(before_model, held),
        "test_map": round(spotting_train.evaluate(before_model, public_test), 4),
    }
    report["after"] = {
        "held_out_map": _labelled_map(after_model, held),
        "test_map": round(spotting_train.evaluate(after_model, public_test), 4),
    }
    report["held_out_articles"] = len(held)
    keys = ("held_out_map", "test_map")
    worse = [
        k
        for k in keys
        if report["before"][k] is not None
        and report["after"][k] is not None
        and report["after"][k] < report["before"][k]
    ]
    report["kept"] = not worse
    report["seconds"] = round(time.monotonic() - started, 1)
    if report["before"]["held_out_map"] is None:
        report["held_out_note"] = (
            "Not measured: the held-out articles need both dismissed suggestions and claims "
            "(or accepted suggestions) to show whether check-worthy sentences rank first."
        )
    if worse:
        report["message"] = (
            "Not kept: the new model ranked worse on "
            + " and ".join(
                "the held-out newsroom labels" if k == "held_out_map" else "the public test set"
                for k in worse
            )
            + ". The model in use stays."
        )
        finish(row, SpotterModel.State.REJECTED, report, None)
    else:
        report["message"] = "Kept: the new model is now used for this organization's articles."
        finish(row, SpotterModel.State.KEPT, report, after_model)
    log(_describe(report))
    return report


def finish(row: SpotterModel, state: str, report: dict, model) -> None:
    """Record a training's outcome through the service; a kept model's file is stored."""
    data = None
    if model is not None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.npz"
            spotting.save_model(path, model.arrays, model.meta)
            data = path.read_bytes()
    saved = services.spotter_train_finish(
        row=row, actor=SYSTEM, state=state, report=report, model_file=data
    )
    if saved.state != state:
        report["message"] = (
            "Not recorded: this training had been marked failed meanwhile (taken for dead). "
            "The model in use did not change; start a new training."
        )


def _describe(report: dict) -> str:
    out = io.StringIO()
    out.write(
        f"{report['labels']} newsroom labels ({report['positives']} positive) in "
        f"{report['labelled_articles']} articles; {report.get('held_out_articles', 0)} held out.\n"
    )
    for when in ("before", "after"):
        figures = report.get(when) or {}
        out.write(
            f"MAP {when}: held-out labels {figures.get('held_out_map')}, "
            f"CLEF 2019 test {figures.get('test_map')}\n"
        )
    out.write(report.get("message", ""))
    return out.getvalue()
