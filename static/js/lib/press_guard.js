// Redraws that wait while a button is held down.
//
// A redraw that replaces a container's nodes between a button's press and its release (two
// separate inputs, with time for a fetch to land in between) leaves the release on a new
// node, and the browser then sends no click: the button silently does nothing. A redraw
// asked for while the primary pointer is held inside the container runs after the release.

/**
 * `redraw`, guarded: called while the pointer is held in `container`, it waits (the calls
 * in between folded together by `merge`) and runs once the click that release makes has
 * been handled. `marker` carries `data-redraw-held="true"` while one waits.
 */
export function holdWhilePressed(container, redraw, { marker = container, merge = (_waiting, next) => next } = {}) {
  let pressed = false;
  let waiting = null; // the arguments of the redraw that waits for the release

  document.addEventListener(
    "pointerdown",
    (event) => {
      pressed = event.isPrimary && container.contains(event.target);
    },
    { capture: true },
  );
  const release = () => {
    if (!pressed) return;
    pressed = false;
    // After the click this release makes, so its handler sees the nodes it was on.
    if (waiting) setTimeout(() => waiting && guarded(waiting), 0);
  };
  for (const type of ["pointerup", "pointercancel"]) window.addEventListener(type, release, { capture: true });
  window.addEventListener("blur", release);

  function guarded(args = {}) {
    if (pressed) {
      waiting = waiting ? merge(waiting, args) : args;
      marker.setAttribute("data-redraw-held", "true");
      return;
    }
    waiting = null;
    marker.removeAttribute("data-redraw-held");
    redraw(args);
  }
  return guarded;
}
