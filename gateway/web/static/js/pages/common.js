// What several pages share: reading again on live updates (throttled), the builders'
// names, the action buttons.
import {describeResult, get, list, may, rpc} from '../api.js';
import {h} from '../util.js';

// Subscribes to `paths`; calls `reload()` after a batch of updates (at most once per
// `every` ms, never per message) and when the connection comes back. Returns the
// unsubscribe function.
export function watch(ctx, paths, reload, every = 1000, onBatch = null) {
  let last = 0, timer = null;
  const run = () => {
    timer = null;
    last = Date.now();
    if (ctx.isCurrent()) reload().catch(() => {});
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(run, Math.max(0, last + every - Date.now()));
  };
  const stop = ctx.live.subscribe({paths, onBatch: (batch) => {
    if (onBatch) onBatch(batch);
    schedule();
  }, onResume: schedule});
  return () => { stop(); if (timer) clearTimeout(timer); };
}

let builderCache = null;
// builderid -> builder, read once per page view.
export async function builders(fresh = false) {
  if (!builderCache || fresh) {
    const {items} = await list('builders');
    builderCache = new Map(items.map((b) => [b.builderid, b]));
  }
  return builderCache;
}

export function builderLink(map, builderid) {
  const b = map.get(builderid);
  return h('a', {href: `#/builders/${builderid}`}, b ? b.name : `builder ${builderid}`);
}

export function buildLink(build, text) {
  return h('a', {href: `#/builders/${build.builderid}/builds/${build.number}`},
    text ?? `#${build.number}`);
}

// A button for a JSON-RPC action, offered only when the user may take it; the answer or
// the refusal appears beside it.
export function actionButton(label, action, path, method, params, done) {
  if (!may(action)) return null;
  const out = h('span', {class: 'action-result', role: 'status'});
  const button = h('button', {type: 'button', class: `action action-${method}`,
    onclick: async () => {
      button.disabled = true;
      out.textContent = '…';
      try {
        out.textContent = describeResult(
          await rpc(path, method, typeof params === 'function' ? params() : params));
        done?.();
      } catch (error) {
        out.textContent = `Refused: ${error.message}`;
        out.classList.add('error');
      } finally {
        button.disabled = false;
      }
    }}, label);
  return h('span', {class: 'action-wrap'}, button, ' ', out);
}

// The current step of running builds: read once per build, then kept from the
// `steps/*/new` updates themselves (no request per update).
export class CurrentSteps {
  constructor() { this.names = new Map(); }

  onBatch(batch) {
    for (const m of batch) {
      if (/^steps\/\d+\/new$/.test(m.k) && m.m?.buildid) this.names.set(m.m.buildid, m.m.name);
    }
  }

  // The names known now (the build's state for the others), without waiting.
  known(running) {
    return running.map((b) => this.names.get(b.buildid) ?? b.state_string);
  }

  // Whether some running build's step is not known yet.
  missing(running) {
    return running.some((b) => !this.names.has(b.buildid));
  }

  async of(running) {
    await Promise.all(running.filter((b) => !this.names.has(b.buildid)).map((b) =>
      list(`builds/${b.buildid}/steps?complete=false&order=-number&limit=1`, 'steps')
        .then((r) => this.names.set(b.buildid, r.items[0]?.name ?? b.state_string))
        .catch(() => this.names.set(b.buildid, b.state_string))));
    return running.map((b) => this.names.get(b.buildid) ?? b.state_string);
  }
}

export {get, list};
