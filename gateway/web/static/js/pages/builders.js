// Builders: every builder with its description and tags.
import {h, replace, table} from '../util.js';
import {builders, builderLink} from './common.js';

export async function render(main) {
  const names = await builders(true);
  replace(main, h('h1', {}, 'Builders'), table('Builders', ['Builder', 'Description', 'Tags'],
    [...names.values()].map((b) => [builderLink(names, b.builderid), b.description ?? '',
      (b.tags ?? []).join(', ')])));
}
