// Pending build requests, with cancel when the user may.
import {h, replace, ago, table} from '../util.js';
import {list, watch, builders, builderLink, actionButton} from './common.js';

export async function render(main, params, ctx) {
  const box = h('div');
  replace(main, h('h1', {}, 'Pending build requests'), box);
  async function reload() {
    const [requests, names] = await Promise.all([
      list('buildrequests?claimed=false&complete=false&order=-buildrequestid'), builders()]);
    replace(box, table('Pending build requests', ['Request', 'Builder', 'Buildset', 'Submitted', 'Priority', ''],
      requests.items.map((r) => [`#${r.buildrequestid}`, builderLink(names, r.builderid),
        String(r.buildsetid), ago(r.submitted_at), String(r.priority),
        actionButton('Cancel', 'cancel_pending_build', `buildrequests/${r.buildrequestid}`,
          'cancel', {reason: 'cancelled from the web pages'}, reload) ?? '']), 'nothing waits'));
  }
  await reload();
  return watch(ctx, ['buildrequests/*/new', 'buildrequests/*/claimed',
    'buildrequests/*/canceled', 'buildrequests/*/complete'], reload);
}
