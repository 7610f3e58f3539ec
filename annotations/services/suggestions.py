"""Claim-spotting suggestions: scoring an article's sentences, accepting and dismissing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator

from annotations import anchoring, jobs, permissions, spotting
from annotations.ingest import structure as ingest_structure
from annotations.models import Article, Claim, Job, Organization, SpotterModel, Suggestion
from annotations.rows import locked
from annotations.services.claims import claim_create


def active_spotter(organization) -> SpotterModel | None:
    """The organization's retrained model in use, or None for the shipped one."""
    return (
        SpotterModel.objects.filter(
            organization=organization, is_active=True, state=SpotterModel.State.KEPT
        )
        .exclude(model_file="")
        .first()
    )


def spotter_for(organization) -> tuple[spotting.SpotterModel, str]:
    """Load the model that scores the organization's articles, and its version label."""
    row = active_spotter(organization)
    if row is not None:
        try:
            model = spotting.get_model(row.model_file.path)
            return model, f"org-{row.pk}:{model.version}"[:80]
        except (OSError, ValueError, KeyError):
            pass  # a missing or damaged file: fall back to the shipped model
    model = spotting.get_model()
    return model, model.version[:80]


@dataclass(frozen=True)
class SpotReport:
    """What re-scoring an article stored."""

    sentences: int
    stored: int
    kept_decisions: int
    model_version: str


@transaction.atomic
def suggestions_refresh(*, article: Article, actor) -> SpotReport:
    """Score the article's current sentences and store the check-worthy ones as suggestions.

    Sentences whose text did not change keep their row, so an editor's open panel can still
    act on it, and their earlier decision (accepted or dismissed) and its claim; a decided
    sentence that left the text keeps its row as a training label, and a sentence decided
    once is not suggested again where it repeats. Up to FACTCHECK_SPOTTING_MAX_STORED
    suggestions with a probability of at least FACTCHECK_SPOTTING_MIN_STORED are kept per
    article, best first.
    """
    permissions.require_edit(actor, article.organization)
    # The article's row lock also serializes this with accepting and dismissing, so that a
    # decision made while the text is scored is never overwritten by a fresh suggestion.
    article = locked(Article.objects, "article", pk=article.pk)
    if article.status != Article.Status.READY:
        return SpotReport(0, 0, 0, "")
    model, version = spotter_for(article.organization)
    sentences = spotting.split_sentences(article.text, language=article.language)
    scores = model.score([s.text for s in sentences]) if sentences else []
    rows_by_key: dict[str, list[Suggestion]] = {}
    # Decided rows first, so that a repeated sentence's decision follows its first copy.
    for row in article.suggestions.select_related("claim").order_by(
        F("decided_at").desc(nulls_last=True), "start"
    ):
        rows_by_key.setdefault(row.sentence_key, []).append(row)
    decided_keys = {
        key for key, rows in rows_by_key.items() if rows[0].state != Suggestion.State.NEW
    }
    keys = [spotting.sentence_key(sentence.text) for sentence in sentences]
    on_claim = _rows_on_their_claims(sentences, keys, rows_by_key)
    minimum = settings.FACTCHECK_SPOTTING_MIN_STORED
    # A heading names what follows; it is no claim to check ("What he said" was offered).
    headings = [
        (block["start"], block["end"])
        for block in ingest_structure.blocks_of(article.text, article.structure)
        if block["kind"] == ingest_structure.HEADING
    ]
    suggestible = [
        i
        for i, sentence in enumerate(sentences)
        if not any(start <= sentence.start and sentence.end <= end for start, end in headings)
    ]
    ranked = sorted(suggestible, key=lambda i: -scores[i])
    worthy = [i for i in ranked if spotting.probability(scores[i]) >= minimum]
    keep = set(worthy[: settings.FACTCHECK_SPOTTING_MAX_STORED])
    cut = len(worthy) > settings.FACTCHECK_SPOTTING_MAX_STORED
    if article.suggestions_cut != cut:
        Article.objects.filter(pk=article.pk).update(suggestions_cut=cut)
    new_rows, updated, kept = [], [], 0
    for i, sentence in enumerate(sentences):
        key = keys[i]
        rows = rows_by_key.get(key) or []
        row = on_claim.get(i)
        if row is None and rows and (rows[0].state != Suggestion.State.NEW or i in keep):
            row = rows.pop(0)
        if row is not None:
            # The same sentence, perhaps moved: follow it, keeping its id and any decision.
            row.start, row.end, row.sentence = sentence.start, sentence.end, sentence.text[:20000]
            row.score, row.model_version = scores[i], version
            row.has_number = spotting.has_number(sentence.text)
            updated.append(row)
            kept += row.state != Suggestion.State.NEW
        elif i in keep and key not in decided_keys:
            new_rows.append(
                Suggestion(
                    article=article,
                    start=sentence.start,
                    end=sentence.end,
                    sentence=sentence.text[:20000],
                    sentence_key=key,
                    score=scores[i],
                    has_number=spotting.has_number(sentence.text),
                    model_version=version,
                )
            )
    # Undecided rows no longer suggested (their sentence left the text or fell below the bar).
    stale = [r.pk for rows in rows_by_key.values() for r in rows if r.state == Suggestion.State.NEW]
    article.suggestions.filter(pk__in=stale).delete()
    Suggestion.objects.bulk_update(
        updated,
        ["start", "end", "sentence", "score", "model_version", "has_number"],
        batch_size=500,
    )
    Suggestion.objects.bulk_create(new_rows, batch_size=500)
    return SpotReport(len(sentences), len(new_rows) + len(updated), kept, version)


def _rows_on_their_claims(sentences, keys: list[str], rows_by_key) -> dict[int, Suggestion]:
    """Accepted rows placed on the copy of their sentence that holds their claim now.

    A repeated sentence's accepted copy must stay the one its claim is on, or the copy with
    the claim would be suggested again (and accepted twice). The rows placed are taken out
    of `rows_by_key`.
    """
    copies: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        copies.setdefault(key, []).append(i)
    placed: dict[int, Suggestion] = {}
    for key, rows in rows_by_key.items():
        if len(copies.get(key, ())) < 2:
            continue  # one copy: the plain match below finds it
        for row in list(rows):
            claim = row.claim if row.state == Suggestion.State.ACCEPTED else None
            if claim is None or claim.anchor_state != Claim.AnchorState.ANCHORED:
                continue
            for i in copies[key]:
                if i not in placed and sentences[i].start <= claim.start < sentences[i].end:
                    placed[i] = row
                    rows.remove(row)
                    break
    return placed


def _lock_article(suggestion: Suggestion) -> None:
    # Taken before the suggestion's own lock, in the same order as suggestions_refresh.
    Article.objects.select_for_update(no_key=True).filter(pk=suggestion.article_id).first()


def _repeated(suggestion: Suggestion) -> bool:
    """Whether the article has other rows of the same sentence (it was there more than once)."""
    return (
        Suggestion.objects.filter(
            article_id=suggestion.article_id, sentence_key=suggestion.sentence_key
        )
        .exclude(pk=suggestion.pk)
        .exists()
    )


def _current(suggestion: Suggestion) -> Suggestion:
    """The suggestion locked, on its sentence's place in the text now.

    Raises Suggestion.DoesNotExist when scoring the new text removed it meanwhile, and
    ValidationError (code "text_changed") when its sentence is gone from the text.
    """
    current = (
        # The suggestion's row alone: its article is locked already, and its newsroom must
        # not be (a Web Annotation update locks the newsroom before the article).
        Suggestion.objects.select_for_update(no_key=True, of=("self",))
        .select_related("article", "article__organization")
        .get(pk=suggestion.pk)
    )
    at = spotting.find_sentence(
        current.article.text, current.sentence, current.start, repeated=_repeated(current)
    )
    if at is None:
        raise ValidationError(
            "This sentence is no longer in the article's text.", code="text_changed"
        )
    # Moved by an edit not scored yet: the new place, as the next scoring will store it.
    current.start, current.end = at, at + len(current.sentence)
    return current


@transaction.atomic
def suggestion_accept(
    *,
    suggestion: Suggestion,
    actor,
    start: int | None = None,
    end: int | None = None,
    exact: str | None = None,
) -> Claim:
    """Make a draft claim of the suggested sentence, or of the part the editor narrowed it to.

    The part is `start`/`end` (code points in the article's text, within the sentence),
    `exact` (its words), or both. Offsets from a page opened before the text changed point
    at other words: with `exact`, the words are found in the sentence instead, and when they
    are not there once, ValidationError (code "text_changed") is raised and nothing is made.
    Accepting an accepted suggestion again returns its claim; asking then for other words
    raises ValidationError (code "already_accepted"). A suggestion removed meanwhile by
    scoring the new text raises Suggestion.DoesNotExist.
    """
    permissions.require_edit(actor, suggestion.article.organization)
    _lock_article(suggestion)
    current = _current(suggestion)
    if current.state == Suggestion.State.ACCEPTED and current.claim_id:
        return _accepted_before(current, start, end, exact)
    text = current.article.text
    start, end = _part(text, current, start, end, exact)
    claim = claim_create(
        article=current.article,
        creator=actor,
        selectors=anchoring.describe(text, start, end),
    )
    current.state = Suggestion.State.ACCEPTED
    current.claim = claim
    current.decided_by = permissions.as_user(actor)
    current.decided_at = timezone.now()
    current.full_clean()
    current.save(update_fields=["state", "claim", "decided_by", "decided_at", "start", "end"])
    return claim


def _part(text: str, current: Suggestion, start, end, exact) -> tuple[int, int]:
    """The span of the text the editor asked for: the sentence, or the part they narrowed
    it to, without whitespace at its edges."""
    if exact is not None:
        start, end = _locate_part(text, current, start, end, exact)
    start = current.start if start is None else int(start)
    end = current.end if end is None else int(end)
    if not current.start <= start < current.end:
        raise ValidationError({"start": "The selection must start inside the suggested sentence."})
    if not start < end <= current.end:
        raise ValidationError(
            {"end": "The selection must end inside the suggested sentence, after its start."}
        )
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        raise ValidationError({"start": "The selection is empty."})
    return start, end


def _accepted_before(current: Suggestion, start, end, exact) -> Claim:
    """The claim an earlier accept made, when this one asks for the same words (a second
    click, another window); else ValidationError (code "already_accepted") naming it."""
    claim = current.claim
    try:
        asked = _part(current.article.text, current, start, end, exact)
    except ValidationError:
        asked = None
    if asked == (claim.start, claim.end):
        return claim
    raise ValidationError(
        "%(who)s already accepted this suggestion as the claim “%(words)s”: open that claim "
        "to change its words.",
        code="already_accepted",
        params={"who": _name(current.decided_by), "words": Truncator(claim.exact).chars(120)},
    )


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def _locate_part(text: str, current: Suggestion, start, end, exact: str) -> tuple[int, int]:
    """Where the words `exact` are in the suggested sentence: at `start`/`end` if they are
    there, else their one occurrence in the sentence."""
    if (
        start is not None
        and end is not None
        and current.start <= start < end <= current.end
        and text[start:end] == exact
    ):
        return start, end
    sentence = text[current.start : current.end]
    found = sentence.find(exact)
    if not exact or found < 0 or sentence.find(exact, found + 1) >= 0:
        raise ValidationError(
            "The selected words are not in the suggested sentence exactly once (if the "
            "article's text changed since this page was loaded, they may be gone). Select "
            "them again.",
            code="text_changed",
        )
    return current.start + found, current.start + found + len(exact)


def _lock_unaccepted(suggestion: Suggestion, actor) -> Suggestion:
    """The suggestion locked as it is now, for dismissing or restoring it; ValidationError
    (code "already_accepted") if it was accepted as a claim meanwhile.

    Raises Suggestion.DoesNotExist when scoring the new text removed it meanwhile.
    """
    permissions.require_edit(actor, suggestion.article.organization)
    _lock_article(suggestion)
    current = (
        Suggestion.objects.select_for_update(no_key=True, of=("self",))
        .select_related("article__organization")
        .get(pk=suggestion.pk)
    )
    if current.state == Suggestion.State.ACCEPTED and current.claim_id:
        # Another window may have accepted it meanwhile: say who and which claim, and let
        # the API answer 409 so that the panel shows the list as it is now.
        raise ValidationError(
            "%(who)s accepted this suggestion as the claim “%(words)s”: delete that claim "
            "to take it back.",
            code="already_accepted",
            params={
                "who": _name(current.decided_by),
                "words": Truncator(current.claim.exact).chars(120),
            },
        )
    return current


@transaction.atomic
def suggestion_dismiss(*, suggestion: Suggestion, actor) -> Suggestion:
    """Record that the newsroom does not want to check this sentence, wherever it repeats."""
    current = _lock_unaccepted(suggestion, actor)
    current.state = Suggestion.State.DISMISSED
    current.decided_by = permissions.as_user(actor)
    current.decided_at = timezone.now()
    current.save(update_fields=["state", "decided_by", "decided_at"])
    # The same words elsewhere in the article (a repeated pull quote) are the same decision:
    # leaving them listed would look as if the dismissal had not worked.
    Suggestion.objects.filter(
        article_id=current.article_id, sentence_key=current.sentence_key, state=Suggestion.State.NEW
    ).update(
        state=Suggestion.State.DISMISSED,
        decided_by=current.decided_by,
        decided_at=current.decided_at,
    )
    return current


@transaction.atomic
def suggestion_restore(*, suggestion: Suggestion, actor) -> Suggestion:
    """Take back a dismissal (a stray key press): the sentence is suggested again, wherever
    it repeats, as the dismissal had decided it everywhere. Undecided, nothing changes."""
    current = _lock_unaccepted(suggestion, actor)
    if current.state != Suggestion.State.DISMISSED:
        return current
    Suggestion.objects.filter(
        article_id=current.article_id,
        sentence_key=current.sentence_key,
        state=Suggestion.State.DISMISSED,
    ).update(state=Suggestion.State.NEW, decided_by=None, decided_at=None)
    current.refresh_from_db()
    return current


@transaction.atomic
def spotter_train_request(*, organization, actor, queue: bool = True) -> SpotterModel:
    """Queue a retraining of the organization's spotter with its labels (admins only).

    One at a time: while one is training, a second request raises ValidationError (code
    "already_training") and queues nothing. With `queue=False` (the management command,
    which trains in its own process) the training row is made but no job is queued.
    """
    permissions.require_manage_members(
        actor, organization, "Only an organization admin can retrain the claim spotter."
    )
    # Two admins (or a double click) at the same moment: the organization's row lock makes
    # the second request wait, then see the first one's training.
    Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).first()
    running = SpotterModel.objects.filter(
        organization=organization, state=SpotterModel.State.TRAINING
    ).first()
    if running is not None and _training_dead(running):
        # A training whose process died without a word (killed, or the machine restarted)
        # would otherwise refuse every later request.
        _training_failed(running, "it stopped without finishing (its worker or command ended)")
        running = None
    if running is not None:
        raise ValidationError(
            "A retraining is already running (started %(started)s); its report appears here "
            "when it finishes.",
            code="already_training",
            params={"started": timezone.localtime(running.created_at).strftime("%H:%M")},
        )
    row = SpotterModel(
        organization=organization,
        state=SpotterModel.State.TRAINING,
        requested_by=permissions.as_user(actor),
        # The command trains in this very process: name it, so that its death can be told.
        report={} if queue else {"worker": jobs.this_worker()},
    )
    row.full_clean()
    row.save()
    if queue:
        jobs.enqueue(kind="spotter_train", subject_id=row.pk, max_attempts=1)
    return row


# A command's training (no job, so no lease) still running this long after it began is
# taken as dead when its process cannot be checked: the job's hard limit, and a grace.
_TRAINING_ABANDONED_AFTER = timedelta(seconds=settings.FACTCHECK_SPOTTER_TRAIN_TIME_LIMIT + 600)


def _training_dead(row: SpotterModel) -> bool:
    """Whether a training marked as running has no live process behind it.

    Queued as a job: its job ended, or its attempt is abandoned (its process died, or it
    is past its lease). Run by the command: its process is known dead, or it began longer
    ago than a job could have run.
    """
    job = Job.objects.about("spotter_train", row.pk).order_by("-pk").first()
    if job is not None:
        return job.state in (Job.State.DONE, Job.State.FAILED) or (
            job.state == Job.State.RUNNING and jobs.is_abandoned(job)
        )
    worker = (row.report or {}).get("worker", "")
    if worker and jobs.worker_gone(worker):
        return True
    return timezone.now() - row.created_at > _TRAINING_ABANDONED_AFTER


def _training_failed(row: SpotterModel, reason: str) -> int:
    return SpotterModel.objects.filter(pk=row.pk, state=SpotterModel.State.TRAINING).update(
        state=SpotterModel.State.FAILED,
        report={"message": f"Failed: {reason}. The model in use did not change."},
        finished_at=timezone.now(),
    )


@transaction.atomic
def spotter_train_fail(*, row: SpotterModel, actor, reason: str) -> SpotterModel:
    """Record that a training ended without a model; the one in use stays (no-op if done)."""
    permissions.require_system(actor)
    _training_failed(row, reason)
    return SpotterModel.objects.get(pk=row.pk)


@transaction.atomic
def spotter_train_finish(
    *, row: SpotterModel, actor, state: str, report: dict, model_file: bytes | None
) -> SpotterModel:
    """Record a training's outcome; a kept model's file is stored and becomes the active one.

    The organization is locked first, as when a training is requested, so two trainings
    finishing at once take turns at making theirs the active model. A training already
    marked failed (taken for dead meanwhile) is left so: its outcome is not recorded.
    """
    permissions.require_manage_members(
        actor, row.organization, "Only an organization admin can retrain the claim spotter."
    )
    Organization.objects.select_for_update(no_key=True).filter(pk=row.organization_id).first()
    row = locked(SpotterModel.objects, "spotter model", pk=row.pk)
    if row.state != SpotterModel.State.TRAINING:
        return row
    if model_file is not None:
        row.model_file.save(f"spotter-{row.pk}.npz", ContentFile(model_file), save=False)
        SpotterModel.objects.filter(organization=row.organization, is_active=True).exclude(
            pk=row.pk
        ).update(is_active=False)
        row.is_active = True
    row.state = state
    row.report = report
    row.finished_at = timezone.now()
    row.save()
    return row
