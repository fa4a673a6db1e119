// Small DOM and formatting helpers shared by every page.

// h('a', {href: '#/', class: 'x'}, 'text', child...): an element. Attributes starting
// with "on" are listeners; null/undefined/false children are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export const RESULTS = ['success', 'warnings', 'failure', 'skipped', 'exception', 'retry',
  'cancelled'];

// The class and word for a build's or step's result (running when not complete).
export function resultName(entity) {
  if (!entity) return 'none';
  if (entity.complete === false || entity.results === null || entity.results === undefined) {
    return entity.started_at ? 'running' : 'pending';
  }
  return RESULTS[entity.results] || 'unknown';
}

export function badge(entity, text) {
  const name = resultName(entity);
  return h('span', {class: `badge r-${name}`}, text ?? name);
}

// "3 min ago" with the exact local time on hover.
export function ago(seconds) {
  if (!seconds) return h('span', {}, '—');
  return h('time', {datetime: new Date(seconds * 1000).toISOString(),
    title: new Date(seconds * 1000).toLocaleString(), 'data-ago': seconds},
  relative(seconds));
}

export function relative(seconds) {
  const d = Math.max(0, Date.now() / 1000 - seconds);
  if (d < 45) return 'just now';
  if (d < 90) return '1 min ago';
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return `${Math.round(d / 86400)} days ago`;
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds < 0) return '';
  seconds = Math.round(seconds);
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60), s = seconds % 60;
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

// The elapsed time of something started at `start` (seconds), ticking while not ended.
export function elapsed(start, end) {
  if (!start) return h('span', {}, '');
  if (end) return h('span', {}, duration(end - start));
  return h('span', {class: 'ticking', 'data-since': start}, duration(Date.now() / 1000 - start));
}

// Refreshes every relative time and running elapsed time once a second.
export function startClock() {
  setInterval(() => {
    // Only text that changed is written: an unchanged page costs no layout.
    const set = (el, text) => { if (el.textContent !== text) el.textContent = text; };
    for (const el of document.querySelectorAll('[data-ago]')) {
      set(el, relative(Number(el.dataset.ago)));
    }
    for (const el of document.querySelectorAll('[data-since]')) {
      set(el, duration(Date.now() / 1000 - Number(el.dataset.since)));
    }
  }, 1000);
}

// A table with a caption and a header row; rows are arrays of cells (nodes or text).
export function table(caption, headers, rows, empty = 'None.') {
  if (!rows.length) return h('p', {class: 'empty'}, `${caption}: ${empty}`);
  return h('div', {class: 'scroll'},
    h('table', {}, h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c)))))));
}

export function section(title, ...content) {
  return h('section', {}, h('h2', {}, title), ...content);
}

export function link(href, text) {
  return h('a', {href}, text);
}

// Replaces the content of `el` with `children`.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}
