// One builder: its recent builds (paged), pending requests with cancel, the force form
// built from the force schedulers' fields, its slaves.
import {h, replace, badge, ago, elapsed, table, section} from '../util.js';
import {get, list, watch, buildLink, actionButton} from './common.js';
import {describeResult, may, rpc} from '../api.js';

const PAGE = 25;

export async function render(main, params, ctx) {
  const builder = (await get(`builders/${encodeURIComponent(params.builder)}`)).builders[0];
  const id = builder.builderid;
  const page = Math.max(0, Number(ctx.query.get('page') ?? 0));
  const buildsBox = h('div'), requestsBox = h('div'), slavesBox = h('div');
  const forceBox = h('div');
  replace(main, h('h1', {}, `Builder ${builder.name}`),
    builder.description ? h('p', {}, builder.description) : null,
    forceBox, section('Builds', buildsBox), section('Pending requests', requestsBox),
    section('Slaves', slavesBox));

  const schedulers = (await list('forceschedulers')).items
    .filter((s) => s.builder_names.includes(builder.name));
  if (may('force_build')) {
    for (const s of schedulers) forceBox.append(forceForm(s, builder));
  }

  async function reload() {
    const [builds, requests, workers] = await Promise.all([
      list(`builders/${id}/builds?order=-number&limit=${PAGE}&offset=${page * PAGE}`, 'builds'),
      list(`builders/${id}/buildrequests?complete=false&claimed=false&order=-buildrequestid`,
        'buildrequests'),
      list('workers'),
    ]);
    const total = builds.total ?? 0;
    const nav = h('nav', {class: 'pager', 'aria-label': 'Pages of builds'},
      page > 0 ? h('a', {href: `#/builders/${id}?page=${page - 1}`}, '← newer') : null, ' ',
      `${page * PAGE + 1}–${Math.min(total, (page + 1) * PAGE)} of ${total}`, ' ',
      (page + 1) * PAGE < total ? h('a', {href: `#/builders/${id}?page=${page + 1}`}, 'older →') : null);
    replace(buildsBox, table('Recent builds', ['Build', 'Result', 'Started', 'Duration', 'State'],
      builds.items.map((b) => [buildLink(b), badge(b), ago(b.started_at),
        elapsed(b.started_at, b.complete_at), b.state_string])), nav);
    replace(requestsBox, table('Pending requests', ['Request', 'Submitted', 'Priority', ''],
      requests.items.map((r) => [`#${r.buildrequestid}`, ago(r.submitted_at), r.priority,
        actionButton('Cancel', 'cancel_pending_build', `buildrequests/${r.buildrequestid}`,
          'cancel', {reason: 'cancelled from the web pages'}, reload) ?? '']), 'nothing waits'));
    const mine = workers.items.filter((w) => (w.configured_on ?? []).some((c) => c.builderid === id));
    const shown = mine.length ? mine : workers.items;
    replace(slavesBox, table('Slaves of this builder', ['Slave', 'State'],
      shown.map((w) => [w.name, w.connected_to?.length ? 'connected' : 'not connected'])));
  }
  await reload();
  return watch(ctx, [`builders/${id}/builds/*/new`, `builders/${id}/builds/*/finished`,
    `builders/${id}/buildrequests/*/new`, `builders/${id}/buildrequests/*/claimed`,
    `builders/${id}/buildrequests/*/canceled`, 'workers/*/connected', 'workers/*/disconnected'],
  reload);
}

// The force form: one labelled input per field of the scheduler (Buildbot's all_fields).
function forceForm(scheduler, builder) {
  const status = h('p', {class: 'action-result', role: 'status'});
  const inputs = scheduler.all_fields.map((f) => {
    const inputId = `force-${scheduler.name}-${f.name}`;
    return h('div', {class: 'field'}, h('label', {for: inputId}, f.label || f.name),
      h('input', {id: inputId, name: f.fullName || f.name, type: 'text', value: f.default ?? ''}));
  });
  const form = h('form', {class: 'force', id: `force-${scheduler.name}`,
    'aria-label': `Force a build of ${builder.name}`},
  h('h2', {}, `Force a build (${scheduler.label || scheduler.name})`), ...inputs,
  h('button', {type: 'submit', class: 'primary'}, scheduler.button_name || 'Force'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const params = {builderNames: [builder.name]};
    for (const input of form.querySelectorAll('input')) {
      if (input.value !== '') params[input.name] = input.value;
    }
    status.textContent = 'Forcing…';
    try {
      status.textContent = describeResult(
        await rpc(`forceschedulers/${encodeURIComponent(scheduler.name)}`, 'force', params));
    } catch (error) {
      status.textContent = `Refused: ${error.message}`;
    }
  });
  return form;
}
