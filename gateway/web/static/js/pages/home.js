// Home: every builder with its last build, the running builds with their current step
// and elapsed time, pending requests, slaves, masters; read again on live updates.
import {h, replace, badge, ago, elapsed, table, section, link} from '../util.js';
import {list, builders, builderLink, buildLink, watch, CurrentSteps} from './common.js';

export async function render(main, params, ctx) {
  const body = h('div', {class: 'home'});
  replace(main, h('h1', {}, 'Eventbot'), body);
  const current = new CurrentSteps();

  async function reload() {
    const [names, recent, running, pending, workers, masters] = await Promise.all([
      builders(true),
      list('builds?order=-buildid&limit=200'),
      list('builds?complete=false&order=-buildid'),
      list('buildrequests?claimed=false&complete=false&order=-buildrequestid&limit=100'),
      list('workers'),
      list('masters'),
    ]);
    const last = new Map();
    for (const b of recent.items) if (!last.has(b.builderid)) last.set(b.builderid, b);
    // The current steps known now; the others are read after this render (so the first
    // render waits for no request per build), then the page is drawn once more.
    const steps = current.known(running.items);
    if (current.missing(running.items)) {
      current.of(running.items).then(() => { if (ctx.isCurrent()) reload(); });
    }
    const workerName = new Map(workers.items.map((w) => [w.workerid, w.name]));
    replace(body,
      section('Builders', table('Builders and their last build',
        ['Builder', 'Last build', 'Result', 'When'],
        [...names.values()].map((b) => {
          const l = last.get(b.builderid);
          return [builderLink(names, b.builderid), l ? buildLink(l) : '—',
            l ? badge(l, l.complete ? undefined : 'running') : '—',
            l ? ago(l.complete_at ?? l.started_at) : '—'];
        }), 'none configured')),
      section('Running builds', table('Running builds',
        ['Build', 'Builder', 'Current step', 'Elapsed', 'Slave'],
        running.items.map((b, i) => [buildLink(b), builderLink(names, b.builderid),
          steps[i], elapsed(b.started_at),
          workerName.get(b.workerid) ?? '']), 'nothing is running')),
      section('Pending requests', table('Pending build requests',
        ['Request', 'Builder', 'Submitted', 'Priority'],
        pending.items.map((r) => [link(`#/requests`, `#${r.buildrequestid}`),
          builderLink(names, r.builderid), ago(r.submitted_at), r.priority]),
        'nothing waits')),
      section('Slaves', table('Slaves', ['Slave', 'State', 'Host'],
        workers.items.map((w) => [w.name, w.connected_to?.length
          ? h('span', {class: 'badge r-success'}, 'connected')
          : h('span', {class: 'badge r-none'}, 'not connected'), w.workerinfo?.host ?? '']))),
      section('Masters', table('Masters', ['Master', 'Active', 'Last active'],
        masters.items.map((m) => [m.name, m.active ? 'yes' : 'no', ago(m.last_active)]))));
  }
  await reload();
  return watch(ctx, ['builds/*/new', 'builds/*/finished', 'steps/*/new', 'steps/*/finished',
    'buildrequests/*/new', 'buildrequests/*/claimed', 'buildrequests/*/canceled',
    'workers/*/connected', 'workers/*/disconnected', 'masters/*/started', 'masters/*/stopped'],
  reload, 1000, (batch) => current.onBatch(batch));
}
