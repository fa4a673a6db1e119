// The pages by address; each module exports render(main, params, ctx) and returns the
// function that ends it (unsubscribes) when the address changes.
const page = (file) => ({load: () => import(`./pages/${file}.js`)});

export const routes = [
  ['/', page('home')],
  ['/waterfall', page('waterfall')],
  ['/console', page('console')],
  ['/builders', page('builders')],
  ['/builders/:builder', page('builder')],
  ['/builders/:builder/builds/:number', page('build')],
  ['/builds/:buildid', page('build')],
  ['/logs/:logid', page('log')],
  ['/slaves', page('slaves')],
  ['/changes', page('changes')],
  ['/requests', page('requests')],
  ['/masters', page('masters')],
  ['/schedulers', page('schedulers')],
  ['/login', page('login')],
];
