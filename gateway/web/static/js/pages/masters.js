// Masters: name, active, last active.
import {h, replace, ago, table} from '../util.js';
import {list, watch} from './common.js';

export async function render(main, params, ctx) {
  const box = h('div');
  replace(main, h('h1', {}, 'Masters'), box);
  async function reload() {
    const masters = await list('masters');
    replace(box, table('Masters', ['Master', 'Id', 'Active', 'Last active'],
      masters.items.map((m) => [m.name, String(m.masterid), m.active ? 'yes' : 'no', ago(m.last_active)])));
  }
  await reload();
  return watch(ctx, ['masters/*/started', 'masters/*/stopped'], reload);
}
