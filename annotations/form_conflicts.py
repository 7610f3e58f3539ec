"""Page forms that merge a save with what someone else saved after the form was loaded.

The form carries the values it showed (`loaded`). On save, each field is compared three
ways: one the user left alone takes what is saved now, one only the user changed takes
theirs, and one both changed differently is a conflict. A save with no conflict goes
through, merged; one with conflicts is stopped and shown, with the user's values kept
for those fields and the others' for the rest, so that saving again loses nobody's work.
"""

from __future__ import annotations

import datetime as dt
import json

from django import forms

FIELD = "loaded"


def loaded_field() -> forms.CharField:
    """The hidden field a form carries the values it showed in (JSON)."""
    return forms.CharField(required=False, widget=forms.HiddenInput)


def loaded(values: dict, names) -> str:
    """The `loaded` value of a form showing `values`: each value as text, a choice of several
    as the list of its choices."""
    return json.dumps(
        {
            name: _choices(value)
            if isinstance(value := values.get(name), list)
            else _as_text(value)
            for name in names
        }
    )


def merge(form: forms.Form, saved: dict, names) -> tuple[dict, list[str]]:
    """The values to save for a valid `form`, merged with `saved` (the values now), and the
    names of the fields both the user and someone else changed, differently, since it loaded.

    A form that carries no readable `loaded` (an old page, a hand-made request) saves as sent.
    """
    try:
        base = json.loads(form.cleaned_data.get(FIELD) or "null")
    except ValueError:
        base = None
    if not isinstance(base, dict):
        return {name: form.cleaned_data.get(name) for name in names}, []
    values, conflicts = {}, []
    for name in names:
        mine, theirs, was = form.cleaned_data.get(name), saved.get(name), base.get(name)
        if isinstance(form.fields[name], forms.MultipleChoiceField):
            values[name] = _merged_choices(mine, theirs, was)
            continue
        if _as_text(mine) == was:
            values[name] = theirs  # left alone here: what is saved now stands
        else:
            values[name] = mine
            if _as_text(theirs) not in (was, _as_text(mine)):
                conflicts.append(name)
    return values, conflicts


def _merged_choices(mine, theirs, was) -> list[str]:
    """A choice of several merged choice by choice: what this user ticked or unticked since
    the form loaded, applied to what is saved now. Two people changing different boxes
    never clash; one unticking a box the other left alone wins."""
    if not isinstance(was, list):
        return _choices(mine)
    base, chosen = set(was), set(_choices(mine))
    return sorted((set(_choices(theirs)) | (chosen - base)) - (base - chosen))


def _choices(value) -> list[str]:
    return sorted(str(choice) for choice in value or [])


def stop(form: forms.Form, data, saved: dict, values: dict, names, conflicts: list[str]) -> None:
    """Refuse this save: show the merged values (the user's where both changed), say what the
    others saved in those fields, and load the form anew on what is saved now."""
    for name in names:
        field, key = form.fields[name], form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if values[name]:
                data[key] = "on"
            else:
                data.pop(key, None)
        elif isinstance(field, forms.MultipleChoiceField):
            data.setlist(key, _choices(values[name]))
        else:
            data[key] = _as_text(values[name])
    data[form.add_prefix(FIELD)] = loaded(saved, names)
    others = "; ".join(f"{_label(form, name)}: {_shown(saved[name])}" for name in conflicts)
    form.add_error(
        None,
        f"Someone else changed this since you opened the page. Saved now: {others}. Your "
        "version of those is in the form below: save again to keep it. Their other changes "
        "are in the form too.",
    )


def _as_text(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "on" if value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _label(form: forms.Form, name: str) -> str:
    return str(form.fields[name].label or name.replace("_", " ").capitalize())


def _shown(value) -> str:
    if value is True or value is False:
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(_choices(value)) or "(none)"
    text = _as_text(value)
    if not text:
        return "(empty)"
    # Quoted: a value that ends in a full stop would otherwise end the sentence twice.
    return f"“{text}”" if len(text) <= 80 else f"“{text[:79]}…”"
