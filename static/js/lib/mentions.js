// @username completion for a comment box: a listbox of the organization's members.

let counter = 0;

/** The word being typed as a mention just before the caret ("@de" gives "de"), or null. */
function typedMention(textarea) {
  const before = textarea.value.slice(0, textarea.selectionStart);
  const match = before.match(/(?:^|\s)@([\w.+-]*)$/);
  return match ? match[1] : null;
}

/**
 * Give `textarea` a completion list of `members` ([{username}]) when an @word is typed.
 * Arrow keys move, Enter or Tab picks, Escape closes the list (and only the list).
 */
export function attachMentions(textarea, members) {
  const id = `mentions-${++counter}`;
  const listbox = document.createElement("ul");
  listbox.id = id;
  listbox.className = "mention-list";
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", "People to mention");
  listbox.hidden = true;
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", id);
  let matches = [];
  let active = 0;

  const close = () => {
    listbox.hidden = true;
    matches = [];
    textarea.removeAttribute("aria-activedescendant");
  };
  const draw = () => {
    listbox.replaceChildren(
      ...matches.map((member, index) => {
        const option = document.createElement("li");
        option.id = `${id}-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", String(index === active));
        option.textContent = `@${member.username}`;
        // mousedown, not click: the text area must keep focus and its caret.
        option.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(index);
        });
        return option;
      }),
    );
    listbox.hidden = matches.length === 0;
    if (matches.length) textarea.setAttribute("aria-activedescendant", `${id}-${active}`);
  };
  const pick = (index) => {
    const member = matches[index];
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@[\w.+-]*$/, `@${member.username} `);
    textarea.value = before + textarea.value.slice(caret);
    textarea.setSelectionRange(before.length, before.length);
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  };

  textarea.addEventListener("input", () => {
    const typed = typedMention(textarea);
    if (typed === null) {
      close();
      return;
    }
    const lower = typed.toLowerCase();
    matches = members.filter((m) => m.username.toLowerCase().startsWith(lower)).slice(0, 8);
    // A name typed out in full needs no list: left open, it would lie over the buttons
    // below and take the first click meant for them.
    if (matches.length === 1 && matches[0].username.toLowerCase() === lower) {
      close();
      return;
    }
    active = 0;
    draw();
  });
  textarea.addEventListener("keydown", (event) => {
    if (listbox.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length;
      draw();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      pick(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  textarea.addEventListener("blur", close);
  return listbox;
}
