// Schedulers, and the force schedulers with the builders they force.
import {h, replace, table} from '../util.js';
import {list} from './common.js';

export async function render(main) {
  const [schedulers, force] = await Promise.all([list('schedulers'), list('forceschedulers')]);
  const forced = new Map(force.items.map((f) => [f.name, f]));
  replace(main, h('h1', {}, 'Schedulers'), table('Schedulers', ['Scheduler', 'Master', 'Forces'],
    schedulers.items.map((s) => [s.name, s.master?.name ?? '—',
      forced.get(s.name)?.builder_names.map((b) => h('a', {href: `#/builders/${encodeURIComponent(b)}`}, b, ' ')) ?? ''])));
}
