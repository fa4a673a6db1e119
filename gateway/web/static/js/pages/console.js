// Console: changes (revision, author, comments) down, builders across; each cell the
// result of the newest build of that builder with that change's revision.
import {h, replace, resultName} from '../util.js';
import {list, watch, builders, buildLink} from './common.js';

export async function render(main, params, ctx) {
  const box = h('div');
  replace(main, h('h1', {}, 'Console'), box);
  async function reload() {
    const [names, changes, builds] = await Promise.all([builders(true),
      list('changes?order=-changeid&limit=50'),
      list('builds?order=-buildid&limit=1000&property=revision')]);
    const byRevision = new Map();
    for (const b of builds.items) {
      const revision = b.properties?.revision?.[0];
      if (!revision) continue;
      const key = `${revision}|${b.builderid}`;
      if (!byRevision.has(key)) byRevision.set(key, b);
    }
    const columns = [...names.values()];
    replace(box, h('div', {class: 'scroll'}, h('table', {class: 'console'},
      h('caption', {}, 'Changes by builder'),
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Change'),
        columns.map((c) => h('th', {scope: 'col'}, c.name)))),
      h('tbody', {}, changes.items.map((c) => h('tr', {},
        h('th', {scope: 'row', class: 'change'}, h('code', {}, (c.revision ?? '').slice(0, 10)), ' ',
          c.author.split(' <')[0], h('br'), h('small', {}, (c.comments ?? '').split('\n')[0])),
        columns.map((col) => {
          const b = byRevision.get(`${c.revision}|${col.builderid}`);
          return b ? h('td', {class: `cell r-${resultName(b)}`}, buildLink(b, `#${b.number}`))
            : h('td', {class: 'cell'}, '');
        })))))));
  }
  await reload();
  return watch(ctx, ['builds/*/new', 'builds/*/finished', 'changes/*/new'], reload, 1000);
}
