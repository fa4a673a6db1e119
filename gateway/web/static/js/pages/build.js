// One build: steps with durations and results and their logs (the running step's output
// live), properties with their source, the reason chain (`why`), stop and rebuild when
// the user may, and the build's own events from the event log with their sequences.
import {h, replace, badge, ago, elapsed, table, section, resultName} from '../util.js';
import {get, list, watch, builders, builderLink, actionButton} from './common.js';
import {ansiLine} from '../ansi.js';

export async function render(main, params, ctx) {
  const build = params.buildid
    ? (await get(`builds/${params.buildid}`)).builds[0]
    : (await get(`builders/${encodeURIComponent(params.builder)}/builds/${params.number}`)).builds[0];
  const names = await builders();
  const builderName = names.get(build.builderid)?.name ?? String(build.builderid);
  const id = build.buildid;
  const heading = h('h1', {}, `${builderName} #${build.number} `, h('span', {id: 'build-result'}));
  const summary = h('div', {class: 'summary'});
  const actions = h('div', {class: 'actions'});
  const panels = {
    steps: h('div', {id: 'panel-steps', role: 'tabpanel', 'aria-labelledby': 'tab-steps'}),
    properties: h('div', {id: 'panel-properties', role: 'tabpanel', 'aria-labelledby': 'tab-properties', hidden: true}),
    why: h('div', {id: 'panel-why', role: 'tabpanel', 'aria-labelledby': 'tab-why', hidden: true}),
    events: h('div', {id: 'panel-events', role: 'tabpanel', 'aria-labelledby': 'tab-events', hidden: true}),
  };
  const loaded = new Set();
  const tabs = h('div', {role: 'tablist', class: 'tabs', 'aria-label': 'Build details'},
    Object.keys(panels).map((name) => h('button', {type: 'button', role: 'tab', id: `tab-${name}`,
      'aria-controls': `panel-${name}`, 'aria-selected': name === 'steps' ? 'true' : 'false',
      onclick: () => select(name)}, name === 'why' ? 'why & changes' : name)));
  const tail = h('div', {class: 'tail'});
  replace(main, heading, h('p', {}, 'Builder ', builderLink(names, build.builderid)), summary,
    actions, tabs, panels.steps, panels.properties, panels.why, panels.events);

  function select(name) {
    for (const [n, panel] of Object.entries(panels)) {
      panel.hidden = n !== name;
      document.getElementById(`tab-${n}`).setAttribute('aria-selected', n === name ? 'true' : 'false');
    }
    if (!loaded.has(name)) {
      loaded.add(name);
      ({properties: loadProperties, why: loadWhy, events: loadEvents}[name])?.();
    }
  }

  let current = build;
  let tailed = null;  // {logid, stop}
  async function reload() {
    current = (await get(`builds/${id}`)).builds[0];
    const steps = (await list(`builds/${id}/steps?order=number`, 'steps')).items;
    const logs = await Promise.all(steps.map((s) =>
      list(`builds/${id}/steps/${s.number}/logs`, 'logs').then((r) => r.items).catch(() => [])));
    replace(document.getElementById('build-result') ?? heading, badge(current));
    document.body.dataset.buildResult = resultName(current);
    replace(summary, h('dl', {class: 'facts'},
      h('dt', {}, 'Started'), h('dd', {}, ago(current.started_at)),
      h('dt', {}, 'Duration'), h('dd', {}, elapsed(current.started_at, current.complete_at)),
      h('dt', {}, 'State'), h('dd', {id: 'build-state'}, current.state_string)));
    replace(actions,
      !current.complete ? actionButton('Stop', 'stop_build', `builds/${id}`, 'stop',
        {reason: 'stopped from the web pages'}, reload) : null,
      current.complete ? actionButton('Rebuild', 'force_build', `builds/${id}`, 'rebuild', {}, null) : null);
    replace(panels.steps, table('Steps', ['#', 'Step', 'Result', 'Duration', 'Logs'],
      steps.map((s, i) => [String(s.number), s.name, badge(s), elapsed(s.started_at, s.complete_at),
        logs[i].map((l) => h('a', {href: `#/logs/${l.logid}`, class: 'loglink'}, l.name))]),
      'no step has started'), tail);
    // The running step's (else the last step's) first log, its end shown live.
    let running = steps.filter((s) => !s.complete).at(-1);
    let index = running ? steps.indexOf(running) : steps.length - 1;
    const log = index >= 0 ? logs[index][0] : null;
    if (log && tailed?.logid !== log.logid) {
      tailed?.stop();
      tailed = await tailLog(ctx, log, steps[index], tail);
    }
  }
  await reload();
  const stop = watch(ctx, [`builds/${id}/finished`, `builds/${id}/steps/*/new`,
    `builds/${id}/steps/*/finished`, `steps/*/logs/*/new`], reload, 500);
  return () => { stop(); tailed?.stop(); };

  async function loadProperties() {
    const props = (await get(`builds/${id}/properties`)).properties[0] ?? {};
    replace(panels.properties, table('Properties', ['Name', 'Value', 'Source'],
      Object.entries(props).map(([name, [value, source]]) =>
        [name, h('code', {}, JSON.stringify(value)), source])));
  }

  async function loadWhy() {
    try {
      const why = await get(`builds/${id}/why`);
      replace(panels.why, h('h2', {}, 'Why this build ran'), explain(why));
    } catch (error) {
      replace(panels.why, h('p', {class: 'error'}, String(error.message)));
    }
  }

  async function loadEvents() {
    replace(panels.events, h('p', {}, 'Reading the event log…'));
    const stream = `build/${builderName}/${current.number}`;
    const logPrefix = `log/${builderName}/${current.number}/`;
    const first = await findSequence(current.started_at);
    const rows = [];
    let chunks = 0, from = first, pages = 0, head = 0;
    while (pages++ < 20) {
      const page = await get(`events?from=${from}&limit=1000`);
      head = Number(page.meta.head);
      for (const e of page.events) {
        const seconds = Number(e.time_us ?? e.timeUs ?? 0) / 1e6;
        if (current.complete_at && seconds > current.complete_at + 5) { pages = 99; break; }
        if (e.stream === stream || e.stream?.startsWith(logPrefix)) {
          const kind = Object.keys(e).find((k) => typeof e[k] === 'object' && e[k] !== null) ?? '?';
          if (kind === 'log_chunk' || kind === 'logChunk') { chunks++; continue; }
          rows.push([h('a', {href: `/api/v2/events?from=${e.sequence}&limit=1`}, String(e.sequence)),
            new Date(seconds * 1000).toLocaleTimeString(), kind, e.stream,
            h('code', {}, JSON.stringify(e[kind]).slice(0, 200))]);
        }
      }
      from = Number(page.meta.next);
      if (!page.events.length || from > head) break;
    }
    replace(panels.events, table('The build\'s events, in the log\'s order',
      ['Sequence', 'Time', 'Event', 'Stream', 'Body'], rows),
    h('p', {}, `${chunks} log chunks not listed.`));
  }
}

// The first sequence whose event is at or after `seconds`, by binary search on the log.
async function findSequence(seconds) {
  const probe = async (seq) => {
    const page = await get(`events?from=${seq}&limit=1`);
    const e = page.events[0];
    return {head: Number(page.meta.head), t: e ? Number(e.time_us ?? e.timeUs ?? 0) / 1e6 : Infinity};
  };
  let lo = 1, {head: hi} = await probe(1);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await probe(mid)).t < seconds - 1) lo = mid + 1; else hi = mid;
  }
  return Math.max(1, lo - 50);
}

// The why chain as nested lists, with links to builds and changes.
function explain(value, key = '') {
  if (Array.isArray(value)) {
    return h('ol', {}, value.map((v) => h('li', {}, explain(v, key))));
  }
  if (value && typeof value === 'object') {
    if (value.builder !== undefined && value.number !== undefined) {
      const link = h('a', {href: `#/builders/${encodeURIComponent(value.builder)}/builds/${value.number}`},
        `${value.builder} #${value.number}`);
      return h('div', {}, link, h('dl', {class: 'why'}, Object.entries(value)
        .filter(([k]) => k !== 'builder' && k !== 'number')
        .map(([k, v]) => [h('dt', {}, k), h('dd', {}, explain(v, k))])));
    }
    return h('dl', {class: 'why'}, Object.entries(value).map(([k, v]) =>
      [h('dt', {}, k), h('dd', {}, explain(v, k))]));
  }
  if ((key === 'change_ids' || key === 'changeid') && typeof value === 'number') {
    return h('a', {href: `#/changes?id=${value}`}, `change ${value}`);
  }
  return String(value ?? '—');
}

// The end of a log, growing live from its appends.
async function tailLog(ctx, log, step, box) {
  const lines = h('pre', {class: 'log-tail', id: 'log-tail', 'aria-label': `End of ${step.name}'s ${log.name}`});
  replace(box, h('h2', {}, `Output of ${step.name} (`, h('a', {href: `#/logs/${log.logid}`}, log.name), ')'), lines);
  const fresh = (await get(`logs/${log.logid}`)).logs[0];
  const n = fresh.num_lines ?? 0;
  const contents = await get(`logs/${log.logid}/contents?offset=${Math.max(0, n - 100)}&limit=100`);
  // Complete lines are appended as they come (never the whole tail drawn again), at most
  // 300 kept; the line still being written is the text node at the end.
  const partial = document.createTextNode('');
  lines.append(partial);
  const add = (text) => {
    const parts = (partial.data + text).split('\n');
    partial.data = parts.pop();
    const follow = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 40;
    for (const line of parts) lines.insertBefore(h('span', {}, ansiLine(line), '\n'), partial);
    while (lines.childElementCount > 300) lines.firstElementChild.remove();
    if (follow) lines.scrollTop = lines.scrollHeight;
  };
  for (const chunk of contents.logchunks ?? []) {
    add(chunk.content.split('\n').map((l) => l.slice(1)).join('\n'));
  }
  lines.scrollTop = lines.scrollHeight;
  const stop = ctx.live.subscribe({paths: [`logs/${log.logid}/append`], onBatch: (batch) => {
    add(batch.map((m) => m.m.content ?? '').join(''));
  }});
  return {logid: log.logid, stop};
}
