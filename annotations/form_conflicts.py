"""Page forms that stop a save over what someone else saved after the form was loaded.

The form carries a digest of the values it showed (`loaded`); on save, values that changed
since are listed to the user instead of being overwritten unseen, and the next save,
made knowing them, goes through.
"""

from __future__ import annotations

import hashlib

from django import forms

FIELD = "loaded"


def loaded_field() -> forms.CharField:
    """The hidden field a form carries its digest in."""
    return forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


def digest(values: dict, names) -> str:
    """A digest of `values` under `names`, in that order; blank and missing are alike."""
    shown = ["" if values.get(name) is None else str(values[name]) for name in names]
    return hashlib.sha256("\x1f".join(shown).encode("utf-8", "surrogatepass")).hexdigest()


def saved_meanwhile(form: forms.Form, saved: dict, names) -> list[str]:
    """The values saved since `form` (valid) was loaded that differ from what it sends,
    as "Label: value" lines; empty when nothing changed since, or when both agree."""
    if form.cleaned_data.get(FIELD) in ("", digest(saved, names)):
        return []
    return [
        f"{form.fields[name].label or name.replace('_', ' ').capitalize()}: {_shown(saved[name])}"
        for name in names
        if _normal(saved[name]) != _normal(form.cleaned_data.get(name))
    ]


def stop(form: forms.Form, data, saved: dict, names, others: list[str]) -> None:
    """Refuse this save: say what others saved, keep what was typed, and load the form
    anew on the saved values so that the next save keeps the user's."""
    data[FIELD] = digest(saved, names)
    form.add_error(
        None,
        "Someone else changed this since you opened the page. Saved now: "
        + "; ".join(others)
        + ". Check the form and save again to keep yours.",
    )


def _normal(value):
    return value or None


def _shown(value) -> str:
    if value is True or value is False:
        return "on" if value else "off"
    text = str(value or "") or "(empty)"
    return text if len(text) <= 80 else f"{text[:79]}…"
