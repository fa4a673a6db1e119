// Slaves: connected or not, their info (admin, host, OS), running builds, graceful
// shutdown when the user may.
import {h, replace, table} from '../util.js';
import {list, watch, builders, buildLink, actionButton} from './common.js';

export async function render(main, params, ctx) {
  const box = h('div');
  replace(main, h('h1', {}, 'Slaves'), box);
  async function reload() {
    const [workers, running] = await Promise.all([list('workers'),
      list('builds?complete=false')]);
    await builders();
    replace(box, table('Slaves', ['Slave', 'State', 'Admin', 'Host', 'OS', 'Running', ''],
      workers.items.map((w) => [h('strong', {}, w.name),
        w.connected_to?.length ? h('span', {class: 'badge r-success'}, 'connected')
          : h('span', {class: 'badge r-none'}, 'not connected'),
        w.workerinfo?.admin ?? '', w.workerinfo?.host ?? '', w.workerinfo?.os ?? '',
        running.items.filter((b) => b.workerid === w.workerid).map((b) => buildLink(b)),
        w.connected_to?.length && !w.graceful
          ? actionButton('Graceful shutdown', 'graceful_shutdown', `workers/${w.workerid}`,
            'graceful_shutdown', {}, reload) ?? '' : (w.graceful ? 'shutting down' : '')])));
  }
  await reload();
  return watch(ctx, ['workers/*/connected', 'workers/*/disconnected', 'workers/*/state_updated',
    'builds/*/new', 'builds/*/finished'], reload);
}
