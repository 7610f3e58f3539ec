// The rating scale editor: live WCAG contrast of each colour where the pages draw it.
// The formulas match annotations/contrast.py, which checks the same on the server.

const AA = 4.5;
const INK = "#1f2328";
const HIGHLIGHT_SHARE = 0.32;

const channels = (hex) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));

function luminance(hex) {
  const [r, g, b] = channels(hex).map((c) => {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function ratio(a, b) {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

function mix(hex, share) {
  const mixed = channels(hex).map((c) => Math.round(c * share + 255 * (1 - share)));
  return "#" + mixed.map((c) => c.toString(16).padStart(2, "0")).join("");
}

const bestText = (hex) => (ratio("#ffffff", hex) >= ratio("#000000", hex) ? "#ffffff" : "#000000");

function checks(hex) {
  return [
    ["the label on the workspace badge (white text)", "#ffffff", hex],
    ["the label on the reader's chip", bestText(hex), hex],
    ["the article text in a reader highlight", INK, mix(hex, HIGHLIGHT_SHARE)],
  ].map(([place, text, ground]) => ({ place, ratio: ratio(text, ground) }));
}

function update(row) {
  const input = row.querySelector(".colour-input");
  const label = row.querySelector(".label-input");
  const sample = row.querySelector(".scale-sample");
  const out = row.querySelector(".contrast");
  const hex = input.value.toLowerCase();
  if (!/^#[0-9a-f]{6}$/.test(hex)) return;
  // The sample reads well whatever the colour (as the reader's chips do); the warnings
  // say where the pages draw it with less contrast.
  sample.style.setProperty("background", hex);
  sample.style.setProperty("color", bestText(hex));
  sample.textContent = label.value.trim() || "Sample";
  const failing = checks(hex).filter((check) => check.ratio < AA);
  out.replaceChildren(
    ...failing.map((check) => {
      const line = document.createElement("div");
      line.className = "contrast-warning";
      line.textContent = `Low contrast: ${check.place} is ${check.ratio.toFixed(2)}:1, below ${AA}:1.`;
      return line;
    }),
  );
  if (!failing.length) {
    const ok = document.createElement("div");
    ok.className = "contrast-ok";
    ok.textContent = `Contrast ok (white label ${ratio("#ffffff", hex).toFixed(2)}:1).`;
    out.replaceChildren(ok);
  }
}

// A rating on published verdicts: say, as the admin types, that readers keep seeing it as
// published until each claim is republished (the server lists it again after saving).
function keptNote(row) {
  const note = row.querySelector(".kept-note");
  if (!note) return;
  const count = Number(row.dataset.published);
  const field = (name) => row.querySelector(`input[name$="-${name}"]`).value.trim();
  const label = field("label");
  const changed = [
    ["value", field("value") !== row.dataset.value],
    ["colour", field("colour").toLowerCase() !== row.dataset.colour.toLowerCase()],
    ["description", field("description") !== row.dataset.description],
  ]
    .filter(([, differs]) => differs)
    .map(([name]) => name);
  const verdicts = `${count} published verdict${count === 1 ? "" : "s"}`;
  const keep = count === 1 ? "keeps" : "keep";
  const until = count === 1 ? "it is republished" : "they are republished";
  const what = changed.length > 1
    ? `${changed.slice(0, -1).join(", ")} and ${changed.at(-1)}`
    : changed[0];
  if (label !== row.dataset.label) {
    const also = what ? ` (and the earlier ${what})` : "";
    note.textContent = `${verdicts} ${keep} “${row.dataset.label}”${also} until ${until}.`;
  } else if (what) {
    note.textContent = `${verdicts} of “${label}” ${keep} the earlier ${what} until ${until}.`;
  } else {
    note.textContent = "";
  }
}

for (const row of document.querySelectorAll(".rating-row")) {
  update(row);
  keptNote(row);
  row.querySelector(".colour-input").addEventListener("input", () => update(row));
  row.querySelector(".label-input").addEventListener("input", () => update(row));
  row.addEventListener("input", () => keptNote(row));
}
document.documentElement.dataset.scaleEditorReady = "true";
