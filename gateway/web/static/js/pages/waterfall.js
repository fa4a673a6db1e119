// Waterfall: builders as columns, time going down (newest first), each build a box in
// its result's colour with its running step (finished: its steps as boxes), the changes
// in the first column; pages of 100 builds back through any amount of history. Live
// updates re-read the first page at most once a second. Running builds show their step,
// not a ticking time: a table of builders × builds laid out again every second would cost
// the browser a share of a core.
import {h, replace, elapsed, resultName} from '../util.js';
import {list, watch, builders, buildLink, CurrentSteps} from './common.js';

const PAGE = 100;
// A finished build's steps never change: read once, when its box first scrolls into
// view (one request per build shown, none per update), and kept.
const finishedSteps = new Map();

function stepBoxes(steps) {
  return h('div', {class: 'steps'}, steps.map((s) =>
    h('span', {class: `step r-${resultName(s)}`, title: `${s.name}: ${resultName(s)}`}, s.name)));
}

export async function render(main, params, ctx) {
  const page = Math.max(0, Number(ctx.query.get('page') ?? 0));
  const box = h('div', {class: 'waterfall-box'});
  replace(main, h('h1', {}, 'Waterfall'), box);
  const current = new CurrentSteps();
  async function reload() {
    const [names, builds, running] = await Promise.all([builders(page === 0),
      list(`builds?order=-buildid&limit=${PAGE}&offset=${page * PAGE}`),
      list('builds?complete=false&order=-buildid&limit=50')]);
    const oldest = builds.items.at(-1)?.started_at ?? 0;
    const newest = page === 0 ? Infinity : (builds.items[0]?.started_at ?? Infinity);
    const changes = (await list(`changes?order=-changeid&limit=${PAGE}`)).items
      .filter((c) => c.when_timestamp >= oldest && c.when_timestamp <= newest);
    const stepNames = current.known(running.items);
    if (current.missing(running.items)) {
      current.of(running.items).then(() => { if (ctx.isCurrent()) reload().then(observe); });
    }
    const currentStep = new Map(running.items.map((b, i) => [b.buildid, stepNames[i]]));
    const columns = [...names.values()];
    const entries = [
      ...builds.items.map((b) => ({t: b.started_at ?? 0, build: b})),
      ...changes.map((c) => ({t: c.when_timestamp, change: c})),
    ].sort((a, b) => b.t - a.t);
    const head = h('tr', {}, h('th', {scope: 'col'}, 'Time'), h('th', {scope: 'col'}, 'Changes'),
      columns.map((c) => h('th', {scope: 'col'}, h('a', {href: `#/builders/${c.builderid}`}, c.name))));
    const rows = entries.map((e) => h('tr', {},
      h('td', {class: 'time'}, h('time', {title: new Date(e.t * 1000).toLocaleString()},
        new Date(e.t * 1000).toLocaleTimeString())),
      h('td', {class: 'change'}, e.change ? h('a', {href: `#/changes?id=${e.change.changeid}`},
        `${e.change.author.split(' <')[0]}: ${(e.change.revision ?? '').slice(0, 8)}`) : ''),
      columns.map((c) => {
        const b = e.build;
        if (!b || b.builderid !== c.builderid) return h('td', {});
        const name = resultName(b);
        const known = finishedSteps.get(b.buildid);
        return h('td', {class: `cell r-${name}`, dataset: b.complete && !known ? {buildid: b.buildid} : {}},
          buildLink(b, `#${b.number} ${name}`), h('br'),
          b.complete ? elapsed(b.started_at, b.complete_at) : currentStep.get(b.buildid) ?? '',
          known ? stepBoxes(known) : null);
      })));
    observer?.disconnect();
    observer = new IntersectionObserver((seen) => {
      for (const entry of seen) {
        if (!entry.isIntersecting) continue;
        const cell = entry.target;
        observer.unobserve(cell);
        const id = Number(cell.dataset.buildid);
        list(`builds/${id}/steps?field=name&field=results&field=complete&field=started_at`, 'steps')
          .then(({items}) => { finishedSteps.set(id, items); cell.append(stepBoxes(items)); })
          .catch(() => {});
      }
    });
    replace(box, h('div', {class: 'scroll'}, h('table', {class: 'waterfall'},
      h('caption', {}, 'Builds by time, newest first'), h('thead', {}, head), h('tbody', {}, rows))),
    h('nav', {class: 'pager', 'aria-label': 'Pages of history'},
      page > 0 ? h('a', {href: `#/waterfall?page=${page - 1}`}, '← newer') : null, ' ',
      (page + 1) * PAGE < (builds.total ?? 0) ? h('a', {href: `#/waterfall?page=${page + 1}`}, 'older →') : null));
  }
  let observer = null;
  const observe = () => {
    for (const cell of box.querySelectorAll('td[data-buildid]')) observer.observe(cell);
  };
  const draw = () => reload().then(observe);
  await draw();
  if (page > 0) return () => observer?.disconnect();
  const stop = watch(ctx, ['builds/*/new', 'builds/*/finished', 'steps/*/new', 'changes/*/new'], draw, 1000, (batch) => current.onBatch(batch));
  return () => { stop(); observer?.disconnect(); };
}
