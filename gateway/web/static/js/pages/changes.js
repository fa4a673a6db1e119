// Changes: the newest first, paged.
import {h, replace, ago, table} from '../util.js';
import {list, watch} from './common.js';

const PAGE = 50;

export async function render(main, params, ctx) {
  const page = Number(ctx.query.get('page') ?? 0);
  const only = ctx.query.get('id');
  const box = h('div');
  replace(main, h('h1', {}, only ? `Change ${only}` : 'Changes'), box);
  async function reload() {
    const changes = await list(only ? `changes/${only}`
      : `changes?order=-changeid&limit=${PAGE}&offset=${page * PAGE}`, 'changes');
    replace(box, table('Changes', ['Change', 'Revision', 'Author', 'Branch', 'When', 'Comments', 'Files'],
      changes.items.map((c) => [String(c.changeid),
        c.revlink ? h('a', {href: c.revlink, rel: 'noreferrer'}, (c.revision ?? '').slice(0, 12))
          : h('code', {}, (c.revision ?? '').slice(0, 12)),
        c.author, c.branch ?? '', ago(c.when_timestamp), c.comments ?? '',
        (c.files ?? []).slice(0, 5).join(', ')])),
    !only ? h('nav', {class: 'pager', 'aria-label': 'Pages of changes'},
      page > 0 ? h('a', {href: `#/changes?page=${page - 1}`}, '← newer') : null, ' ',
      (page + 1) * PAGE < (changes.total ?? 0) ? h('a', {href: `#/changes?page=${page + 1}`}, 'older →') : null) : null);
  }
  await reload();
  return watch(ctx, ['changes/*/new'], reload);
}
