// The pages' only sources: /api/v2 (GET, and JSON-RPC actions), /auth/*.

// Every request of the pages says it is one: a 401 then comes without the Basic challenge
// that would make the browser ask for a password itself.
const HEADERS = {'X-Requested-With': 'XMLHttpRequest'};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function answer(response) {
  let body = null;
  try { body = await response.json(); } catch { body = null; }
  if (!response.ok) {
    const message = body?.error?.message ?? body?.error ?? response.statusText;
    throw new ApiError(response.status, String(message));
  }
  return body;
}

// GET /api/v2/PATH (query in the path), the JSON answer.
export async function get(path) {
  return answer(await fetch(`/api/v2/${path}`, {credentials: 'same-origin', headers: HEADERS}));
}

// A collection's entries: get('builds?...') then its list.
export async function list(path, name) {
  const body = await get(path);
  return {items: body[name ?? path.split('?')[0].split('/').at(-1)] ?? [], total: body.meta?.total};
}

export async function one(path, name) {
  const {items} = await list(path, name);
  return items[0] ?? null;
}

// Who is logged in and what they may do: {user, roles, via, csrf_token, may: {...}}.
export const auth = {me: {user: null, roles: [], may: {}}, listeners: new Set()};

export async function refreshMe() {
  try {
    auth.me = await answer(await fetch('/auth/me', {credentials: 'same-origin', headers: HEADERS}));
  } catch {
    auth.me = {user: null, roles: [], may: {}};
  }
  for (const f of auth.listeners) f(auth.me);
  return auth.me;
}

export function may(action) {
  return Boolean(auth.me?.may?.[action]);
}

export async function login(username, password) {
  const form = new URLSearchParams({username, password});
  auth.me = await answer(await fetch('/auth/login', {method: 'POST', body: form,
    credentials: 'same-origin', headers: HEADERS}));
  return refreshMe();
}

export async function logout() {
  await answer(await fetch('/auth/logout', {method: 'POST', credentials: 'same-origin',
    headers: {...HEADERS, 'X-CSRF-Token': auth.me?.csrf_token ?? ''}}));
  return refreshMe();
}

let rpcId = 0;
// A JSON-RPC 2.0 action on /api/v2/PATH; the result text, or an ApiError.
// What an action answered, in words: force and rebuild answer as Buildbot's data API does,
// [buildset id, {builder id: request id}]; the others a sentence.
export function describeResult(result) {
  if (Array.isArray(result)) {
    const requests = Object.values(result[1] ?? {}).join(', ');
    return `Build forced: buildset ${result[0]}` + (requests ? `, request ${requests}` : '');
  }
  return String(result ?? 'done');
}

export async function rpc(path, method, params = {}) {
  const response = await fetch(`/api/v2/${path}`, {
    method: 'POST', credentials: 'same-origin',
    headers: {...HEADERS, 'Content-Type': 'application/json', 'X-CSRF-Token': auth.me?.csrf_token ?? ''},
    body: JSON.stringify({jsonrpc: '2.0', method, params, id: ++rpcId}),
  });
  const body = await answer(response);
  if (body?.error) throw new ApiError(response.status, body.error.message);
  return body?.result;
}
