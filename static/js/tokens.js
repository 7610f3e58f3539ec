// The API token pages: copy a new token's key to the clipboard.

for (const button of document.querySelectorAll("button[data-copy]")) {
  const field = document.getElementById(button.dataset.copy);
  const status = document.querySelector(`[data-copy-status="${button.dataset.copy}"]`);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      status.textContent = "Copied.";
    } catch {
      // No clipboard access (an insecure origin, a refused permission): select the key
      // so that the person can copy it themselves.
      field.focus();
      field.select();
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
}
