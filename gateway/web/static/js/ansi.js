// ANSI SGR colours (ESC[...m) of one line to spans with classes: foreground 30-37 and
// 90-97 (c0..c15), background 40-47 and 100-107 (b0..b15), bold (1), reset (0, 39, 49).
// Any other escape sequence is dropped. The state starts fresh on each line.
import {h} from './util.js';

const ESC = /\x1b\[([0-9;]*)([A-Za-z])/g;

export function ansiLine(text) {
  const out = [];
  let fg = null, bg = null, bold = false, last = 0;
  const push = (s) => {
    if (!s) return;
    if (fg === null && bg === null && !bold) { out.push(s); return; }
    const cls = [fg !== null ? `c${fg}` : '', bg !== null ? `b${bg}` : '', bold ? 'bold' : '']
      .filter(Boolean).join(' ');
    out.push(h('span', {class: cls}, s));
  };
  for (const m of text.matchAll(ESC)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[2] !== 'm') continue;
    const codes = m[1] === '' ? [0] : m[1].split(';').map(Number);
    for (const c of codes) {
      if (c === 0) { fg = bg = null; bold = false; }
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = c - 40;
      else if (c >= 100 && c <= 107) bg = c - 100 + 8;
      else if (c === 49) bg = null;
    }
  }
  push(text.slice(last));
  return out;
}

// The text without escape sequences (for search).
export function stripAnsi(text) {
  return text.replace(ESC, '');
}
