// Forms that undo something at once (revoke a token, delete a webhook, remove a member, give
// up one's own admin role) ask first: one slip of the mouse would otherwise cut off a working integration or a colleague.
// Without scripts the form still works, unasked.

import { ask } from "./lib/dialog.js";

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.confirmed === "yes") return;
    // Asked only when a chosen control moved from what the page showed (one's own admin
    // role given up, not saved unchanged).
    const watched = form.dataset.confirmIfChanged ? form.elements[form.dataset.confirmIfChanged] : null;
    if (watched && watched.value === [...watched.options].find((option) => option.defaultSelected)?.value) return;
    event.preventDefault();
    const answer = await ask({
      title: form.dataset.confirm,
      message: form.dataset.confirmMessage ?? "",
      choices: [
        { value: "go", label: form.dataset.confirmLabel ?? "Go ahead", kind: "danger" },
        { value: "cancel", label: "Cancel", kind: "secondary" },
      ],
      focus: "cancel",
    });
    if (answer !== "go") return;
    form.dataset.confirmed = "yes";
    form.requestSubmit();
  });
}
