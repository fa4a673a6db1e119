// The log viewer: only the visible lines are fetched (logs/N/contents?offset&limit, in
// pages of 500 lines) and rendered, so a log of any size opens at once and scrolls
// smoothly; live tail while the step runs; ANSI colours; line numbers that link to a
// line; search; the raw log to download.
import {h, replace, badge} from '../util.js';
import {get} from './common.js';
import {ansiLine, stripAnsi} from '../ansi.js';

const LINE = 18;           // px per line (the CSS sets the same)
const PAGE = 500;          // lines per request
const MAX_PX = 8_000_000;  // taller spacers are scaled (browsers cap element heights)
const CACHE_PAGES = 64;

export async function render(main, params, ctx) {
  const logid = params.logid;
  let log = (await get(`logs/${logid}`)).logs[0];
  const step = (await get(`steps/${log.stepid}`)).steps[0];
  const build = (await get(`builds/${step.buildid}`)).builds[0];
  const builder = (await get(`builders/${build.builderid}`)).builders[0];

  const status = h('span', {id: 'log-status', role: 'status'});
  const follow = h('input', {type: 'checkbox', id: 'follow', checked: !log.complete});
  const search = h('input', {type: 'search', id: 'log-search', placeholder: 'text'});
  const found = h('span', {role: 'status', id: 'search-result'});
  const spacer = h('div', {class: 'log-spacer'});
  const rows = h('div', {class: 'log-rows'});
  const view = h('div', {class: 'log-view', id: 'log-view', tabindex: '0', role: 'region',
    'aria-label': `Log ${log.name}`}, spacer, rows);
  replace(main,
    h('h1', {}, `${log.name} of ${step.name} `, badge(step)),
    h('p', {}, h('a', {href: `#/builders/${builder.builderid}/builds/${build.number}`},
      `${builder.name} #${build.number}`), ' · ',
    h('a', {href: `/api/v2/logs/${logid}/raw`, download: '', id: 'raw'}, 'Download raw'), ' · ', status),
    h('form', {class: 'log-tools', role: 'search', onsubmit: (e) => { e.preventDefault(); find(); }},
      h('label', {for: 'log-search'}, 'Search'), search,
      h('button', {type: 'submit'}, 'Find next'), found,
      h('label', {for: 'follow', class: 'follow'}, follow, ' Follow the end')),
    view);

  const pages = new Map();     // page index -> array of [channel, text]
  const loading = new Map();   // page index -> promise
  let numLines = log.num_lines ?? 0;
  let highlight = Number(ctx.query.get('line') ?? 0) || null;
  let scale = 1;
  let frame = 0;

  function layout() {
    scale = Math.max(1, (numLines * LINE) / MAX_PX);
    spacer.style.height = `${Math.ceil((numLines * LINE) / scale) + LINE}px`;
    view.dataset.numLines = String(numLines);
    status.textContent = `${numLines.toLocaleString()} lines${log.complete ? '' : ', growing'}`;
  }

  function fetchPage(p) {
    if (pages.has(p) || loading.has(p)) return;
    const promise = get(`logs/${logid}/contents?offset=${p * PAGE}&limit=${PAGE}`).then((body) => {
      const lines = [];
      for (const chunk of body.logchunks ?? []) {
        for (const line of chunk.content.split('\n')) lines.push(line);
      }
      if (lines.length && lines.at(-1) === '') lines.pop();
      pages.set(p, lines);
      if (pages.size > CACHE_PAGES) pages.delete(pages.keys().next().value);
    }).finally(() => { loading.delete(p); schedule(); });
    loading.set(p, promise);
  }

  // The first line in view: by pixels, or in proportion to the scroll position when the
  // spacer is scaled (so that the end of the scroll area is the end of the log).
  function firstInView() {
    const visible = Math.floor(view.clientHeight / LINE);
    if (scale === 1) return Math.max(0, Math.floor(view.scrollTop / LINE));
    const maxScroll = Math.max(1, view.scrollHeight - view.clientHeight);
    return Math.round(Math.min(1, view.scrollTop / maxScroll) * Math.max(0, numLines - visible));
  }

  function draw() {
    frame = 0;
    const first = firstInView();
    const count = Math.ceil(view.clientHeight / LINE) + 2;
    const last = Math.min(numLines, first + count);
    const out = [];
    for (let n = first; n < last; n++) {
      const page = pages.get(Math.floor(n / PAGE));
      if (!page) fetchPage(Math.floor(n / PAGE));
      const raw = page?.[n % PAGE];
      const channel = raw?.[0] ?? 'o';
      const text = raw === undefined ? '…' : raw.slice(1);
      out.push(h('div', {class: `line ch-${channel}${n + 1 === highlight ? ' hl' : ''}`},
        h('a', {class: 'ln', href: `#/logs/${logid}?line=${n + 1}`, tabindex: '-1'}, String(n + 1)),
        h('span', {class: 'tx'}, ansiLine(text))));
    }
    rows.replaceChildren(...out);
    rows.style.transform = `translateY(${scale === 1 ? first * LINE : view.scrollTop}px)`;
    view.dataset.firstLine = String(first + 1);
    view.dataset.lastLine = String(last);
    view.dataset.lastLoaded = String(pages.has(Math.floor(Math.max(0, last - 1) / PAGE)) ? last : 0);
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function scrollToLine(n) {
    const visible = Math.floor(view.clientHeight / LINE);
    const target = Math.max(0, n - 1 - Math.floor(visible / 3));
    if (scale === 1) {
      view.scrollTop = target * LINE;
    } else {
      const maxScroll = view.scrollHeight - view.clientHeight;
      view.scrollTop = (target / Math.max(1, numLines - visible)) * maxScroll;
    }
    schedule();
  }

  function toEnd() {
    view.scrollTop = view.scrollHeight;
    schedule();
  }

  view.addEventListener('scroll', () => {
    if (view.scrollTop + view.clientHeight < view.scrollHeight - 2 * LINE && !log.complete) {
      follow.checked = false;
    }
    schedule();
  });
  view.addEventListener('keydown', (e) => {
    const pageLines = Math.floor(view.clientHeight / LINE);
    const moves = {ArrowDown: LINE, ArrowUp: -LINE, PageDown: pageLines * LINE,
      PageUp: -pageLines * LINE};
    if (e.key === 'End') { toEnd(); e.preventDefault(); }
    else if (e.key === 'Home') { view.scrollTop = 0; e.preventDefault(); }
    else if (moves[e.key]) {
      // Scaled, a line is less than a pixel of scroll: move by at least one pixel.
      const by = moves[e.key] / scale;
      view.scrollTop += Math.sign(by) * Math.max(1, Math.abs(by));
      e.preventDefault();
    }
  });
  window.addEventListener('resize', schedule);

  layout();
  if (highlight) requestAnimationFrame(() => scrollToLine(highlight));
  else if (follow.checked) requestAnimationFrame(toEnd);
  schedule();

  // Search forward from the line after the first one shown, fetching pages of lines.
  async function find() {
    const needle = search.value.toLowerCase();
    if (!needle) return;
    found.textContent = 'Searching…';
    const start = Number(view.dataset.firstLine ?? 1) + (highlight ? 0 : -1);
    for (let from = start; from < numLines; from += 2000) {
      const body = await get(`logs/${logid}/contents?offset=${from}&limit=2000`);
      const lines = (body.logchunks ?? []).flatMap((c) => c.content.split('\n'));
      const at = lines.findIndex((l, i) => from + i + 1 > (highlight ?? 0) &&
        stripAnsi(l.slice(1)).toLowerCase().includes(needle));
      if (at >= 0) {
        highlight = from + at + 1;
        found.textContent = `line ${highlight}`;
        history.replaceState(null, '', `#/logs/${logid}?line=${highlight}`);
        scrollToLine(highlight);
        return;
      }
    }
    found.textContent = 'not found below';
  }

  // Live: re-read the number of lines after a batch of appends (the last page again).
  let refreshing = false;
  async function grow() {
    if (refreshing) return;
    refreshing = true;
    try {
      log = (await get(`logs/${logid}`)).logs[0];
      const lastPage = Math.floor(Math.max(0, numLines - 1) / PAGE);
      numLines = log.num_lines ?? numLines;
      for (let p = lastPage; p <= Math.floor(numLines / PAGE); p++) pages.delete(p);
      layout();
      if (follow.checked) toEnd(); else schedule();
    } finally {
      refreshing = false;
    }
  }
  const stop = log.complete ? () => {} : ctx.live.subscribe({
    paths: [`logs/${logid}/append`, `logs/${logid}/finished`],
    onBatch: () => grow(), onResume: () => grow()});
  return () => { stop(); window.removeEventListener('resize', schedule); };
}
