// The single page: a hash router (#/builders/3/builds/12), the header (navigation,
// theme, who is logged in), and one live connection shared by the pages.
import {auth, refreshMe, logout} from './api.js';
import {Live} from './live.js';
import {h, replace, startClock} from './util.js';
import {routes} from './routes.js';

const main = document.getElementById('main');
const live = new Live(document.getElementById('notice'));
let dispose = null;
let generation = 0;

// '#/builders/3/builds/12?line=5' -> {page, params, query}
function resolve(hash) {
  const [path, search] = (hash.replace(/^#/, '') || '/').split('?');
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, page] of routes) {
    const want = pattern.split('/').filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(':') ? (params[w.slice(1)] = decodeURIComponent(parts[i]), true) : w === parts[i]))) {
      return {page, params, query: new URLSearchParams(search || '')};
    }
  }
  return null;
}

async function show() {
  const mine = ++generation;
  if (dispose) { try { dispose(); } catch { /* the old page is gone anyway */ } }
  dispose = null;
  const route = resolve(location.hash);
  for (const a of document.querySelectorAll('#nav a')) {
    const current = a.getAttribute('href') === (location.hash.split('?')[0] || '#/');
    if (current) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (!route) {
    replace(main, h('h1', {}, 'Not found'), h('p', {}, 'No page at this address. '),
      h('a', {href: '#/'}, 'Home'));
    return;
  }
  replace(main, h('p', {class: 'loading'}, 'Loading…'));
  try {
    const page = await route.page.load();
    if (mine !== generation) return;
    const result = await page.render(main, route.params, {live, query: route.query,
      isCurrent: () => mine === generation});
    if (mine !== generation) { result?.(); return; }
    dispose = result ?? null;
  } catch (error) {
    if (mine !== generation) return;
    replace(main, h('h1', {}, 'Error'), h('p', {class: 'error', role: 'alert'}, String(error.message ?? error)));
  }
}

function renderWho(me) {
  const who = document.getElementById('who');
  if (me.user) {
    replace(who, h('span', {class: 'user'}, me.user), ' ',
      h('button', {type: 'button', id: 'logout', onclick: async () => { await logout(); show(); }}, 'Log out'));
  } else {
    replace(who, h('a', {href: '#/login', id: 'login-link'}, 'Log in'));
  }
}

auth.listeners.add(renderWho);
startClock();
window.addEventListener('hashchange', (event) => {
  // After logging in, back to where the user was.
  const old = new URL(event.oldURL).hash;
  if (location.hash === '#/login' && old !== '#/login') sessionStorage.setItem('eventbot-return', old || '#/');
  show();
});
refreshMe().then(show);
