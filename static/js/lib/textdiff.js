// Word-level differences between two texts, for conflicts and history shown inline.

const LIMIT = 1500; // tokens per side; beyond that the whole text is shown as replaced

function tokens(text) {
  return String(text ?? "").split(/(\s+)/).filter((t) => t !== "");
}

/**
 * The difference from `before` to `after` as [op, text] pairs, op "equal", "delete" or
 * "insert" (the shape the server sends in history), by a longest common subsequence of words.
 */
export function wordDiff(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const ops = [];
  const push = (op, text) => {
    if (!text) return;
    const last = ops[ops.length - 1];
    if (last && last[0] === op) last[1] += text;
    else ops.push([op, text]);
  };
  push("equal", a.slice(0, head).join(""));
  if (x.length > LIMIT || y.length > LIMIT) {
    push("delete", x.join(""));
    push("insert", y.join(""));
  } else {
    // lengths[i][j]: the longest common subsequence of x[i:] and y[j:].
    const lengths = Array.from({ length: x.length + 1 }, () => new Uint16Array(y.length + 1));
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        lengths[i][j] = x[i] === y[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < x.length && j < y.length) {
      if (x[i] === y[j]) {
        push("equal", x[i]);
        i++;
        j++;
      } else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
        push("delete", x[i++]);
      } else {
        push("insert", y[j++]);
      }
    }
    push("delete", x.slice(i).join(""));
    push("insert", y.slice(j).join(""));
  }
  push("equal", a.slice(a.length - tail).join(""));
  return ops;
}

/** A <span> showing `ops` with <del> and <ins>, whitespace kept and long words wrapped. */
export function renderDiff(ops) {
  const span = document.createElement("span");
  span.className = "diff";
  for (const [op, text] of ops) {
    if (op === "equal") {
      span.append(text);
      continue;
    }
    const node = document.createElement(op === "insert" ? "ins" : "del");
    node.textContent = text;
    span.append(node);
  }
  return span;
}
