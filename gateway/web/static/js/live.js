// The live updates: one WebSocket to /ws (Buildbot's protocol). Pages subscribe to
// paths; the messages are gathered and handed to the pages in batches, at most every
// 250 ms (never one call per message). A dropped connection shows a "reconnecting"
// notice and is opened again with a growing pause; on reconnecting every path is
// consumed again and the pages told to read their data again (resume).

const FLUSH_MS = 250;

export class Live {
  constructor(notice) {
    this.notice = notice;
    this.subscribers = new Set();  // {paths: [...], onBatch(messages), onResume()}
    this.consumed = new Set();
    this.pending = [];
    this.timer = null;
    this.socket = null;
    this.delay = 250;
    this.id = 0;
    this.wasConnected = false;
    this.connect();
  }

  connect() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    socket.onopen = () => {
      this.delay = 250;
      this.consumed.clear();
      this.sync();
      this.notice.hidden = true;
      document.body.dataset.live = 'open';
      if (this.wasConnected) for (const s of this.subscribers) s.onResume?.();
      this.wasConnected = true;
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message.k === '_behind') {
        // Too slow: consume again from the sequence we have everything of.
        for (const path of this.consumed) {
          this.send({cmd: 'startConsuming', path, from: message.m.seq});
        }
        return;
      }
      if (message.k === undefined) return;  // an answer to a command
      this.pending.push(message);
      if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      document.body.dataset.live = 'closed';
      this.notice.textContent = 'Reconnecting…';
      this.notice.hidden = false;
      setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }

  send(command) {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({...command, _id: ++this.id}));
    }
  }

  // Consumes every path some subscriber wants, stops the others.
  sync() {
    const wanted = new Set();
    for (const s of this.subscribers) for (const p of s.paths) wanted.add(p);
    for (const path of wanted) {
      if (!this.consumed.has(path)) this.send({cmd: 'startConsuming', path});
    }
    for (const path of this.consumed) {
      if (!wanted.has(path)) this.send({cmd: 'stopConsuming', path});
    }
    if (this.socket?.readyState === WebSocket.OPEN) this.consumed = wanted;
  }

  flush() {
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    for (const s of this.subscribers) {
      const mine = batch.filter((m) => s.paths.some((p) => matches(p, m.k)));
      if (mine.length) s.onBatch(mine);
    }
  }

  // Subscribes; returns the function that unsubscribes.
  subscribe(subscriber) {
    this.subscribers.add(subscriber);
    this.sync();
    return () => { this.subscribers.delete(subscriber); this.sync(); };
  }
}

// Whether a key matches a path with `*` for any one part.
export function matches(path, key) {
  const p = path.split('/'), k = key.split('/');
  return p.length === k.length && p.every((part, i) => part === '*' || part === k[i]);
}
