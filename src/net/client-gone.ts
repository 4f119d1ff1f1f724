import type { Socket } from 'node:net';

/** Everyone waiting on one client socket, behind a single 'close' listener. */
const waiting = new WeakMap<Socket, Set<() => void>>();

/**
 * Calls `onGone` once when the client's socket closes (synchronously, before returning, if it
 * already has), unless the returned function is called first. A response queued behind others on a pipelined connection never
 * sees its own 'close', so the socket is the only reliable signal; one listener per socket, not
 * per request, so deep pipelines do not pile listeners up.
 */
export function whenClientGone(socket: Socket, onGone: () => void): () => void {
  if (socket.destroyed) {
    onGone();
    return () => {};
  }
  let callbacks = waiting.get(socket);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(socket, set);
    socket.once('close', () => {
      waiting.delete(socket);
      for (const callback of set) callback();
      set.clear();
    });
  }
  const set = callbacks;
  set.add(onGone);
  return () => set.delete(onGone);
}
