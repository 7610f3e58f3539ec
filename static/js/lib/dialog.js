// A small in-page modal question (<dialog>): keyboard accessible, Escape answers "cancel".

let counter = 0;

/**
 * Ask a question and resolve with the value of the button chosen, or `cancelValue` on Escape.
 * `choices`: [{value, label, kind}] in display order; `focus` names the value focused first.
 * With `input` ({label, required, value, onInput}) the dialog carries a text area and
 * resolves with {value, text}; `onInput(text)` hears each keystroke, for a caller that keeps
 * what is typed beyond the dialog (a closed tab, a crash).
 */
export function ask({ title, message, choices, focus, cancelValue = "cancel", input = null }) {
  const id = `dialog-${++counter}`;
  const dialog = document.createElement("dialog");
  dialog.className = "ask-dialog";
  dialog.setAttribute("aria-labelledby", `${id}-title`);
  dialog.setAttribute("aria-describedby", `${id}-message`);
  const heading = document.createElement("h2");
  heading.id = `${id}-title`;
  heading.textContent = title;
  const text = document.createElement("p");
  text.id = `${id}-message`;
  text.textContent = message;
  dialog.append(heading, text);
  let area = null;
  const error = document.createElement("p");
  error.className = "save-status error";
  error.setAttribute("role", "alert");
  if (input) {
    const label = document.createElement("label");
    label.htmlFor = `${id}-input`;
    label.textContent = input.label;
    area = document.createElement("textarea");
    area.id = `${id}-input`;
    area.rows = 3;
    area.value = input.value ?? "";
    if (input.required) area.required = true;
    area.addEventListener("input", () => {
      error.textContent = "";
      input.onInput?.(area.value);
    });
    dialog.append(label, area, error);
  }
  const row = document.createElement("p");
  row.className = "actions";
  dialog.append(row);
  return new Promise((resolve) => {
    const finish = (value) => {
      dialog.close();
      dialog.remove();
      resolve(input ? { value, text: area.value } : value);
    };
    for (const choice of choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.dataset.value = choice.value;
      if (choice.kind) button.className = choice.kind;
      button.addEventListener("click", () => {
        if (input?.required && choice.value !== cancelValue && !area.value.trim()) {
          error.textContent = `${input.label}: please write something first.`;
          area.focus();
          return;
        }
        finish(choice.value);
      });
      row.append(button);
    }
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      finish(cancelValue);
    });
    // Keys pressed in the dialog are the dialog's: the workspace's shortcuts must not see them.
    dialog.addEventListener("keydown", (event) => event.stopPropagation());
    document.body.append(dialog);
    dialog.showModal();
    const first = area ?? row.querySelector(`[data-value="${focus}"]`) ?? row.querySelector("button");
    first.focus();
  });
}
