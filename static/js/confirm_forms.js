// Forms that undo something at once (revoke a token, delete a webhook, remove a member) ask
// first: one slip of the mouse would otherwise cut off a working integration or a colleague.
// Without scripts the form still works, unasked.

import { ask } from "./lib/dialog.js";

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.confirmed === "yes") return;
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
