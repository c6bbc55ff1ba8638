import type { Socket } from 'node:net';
import type { Cluster, Redis } from 'ioredis';

/**
 * One socket write per event-loop turn instead of one per command. ioredis writes every command to its socket as
 * it is issued (a pipeline is one write; separate commands — BullMQ's add script, the outcome read, the fraud
 * counters, the ledger, of every hook answered in the same turn — are one write each, each a syscall and its
 * libuv/stream bookkeeping). Corking the socket on a turn's first write and uncorking it in that turn's check
 * phase (setImmediate) hands the kernel everything issued in the turn as one writev. The bytes on the wire and their
 * order are unchanged, so is every reply; a command waits at most for the rest of the turn it was issued in.
 *
 * Not ioredis's `enableAutoPipelining`: that batches only commands issued in the same tick (process.nextTick),
 * which commands of different hooks rarely are, and re-queues them through a pipeline object per batch
 * (ADR 0022). This changes nothing of how commands are queued; it merges the socket writes.
 *
 * Each (re)connection's socket is wrapped once; on a Cluster every node's connection is.
 */
export function coalesceWrites<T extends Redis | Cluster>(client: T): T {
  if ('nodes' in client && typeof client.nodes === 'function') {
    const cluster = client as Cluster;
    const wrap = (node: Redis) => coalesceWrites(node);
    cluster.on('+node', wrap);
    for (const node of cluster.nodes()) wrap(node);
    return client;
  }
  const redis = client as Redis;
  const wrapStream = () => {
    const stream = (redis as unknown as { stream?: Socket }).stream;
    if (stream) corkPerTurn(stream);
  };
  // The socket is new on every reconnect; ioredis writes its handshake (AUTH, SETNAME, the ready check) from the
  // socket's own connect handler, before emitting 'connect' — wrapping then covers every command that follows.
  redis.on('connect', wrapStream);
  wrapStream();
  return client;
}

const wrapped = new WeakSet<Socket>();

/** Corks the socket at the first write of a turn and uncorks it in that turn's check phase. */
export function corkPerTurn(stream: Socket): void {
  if (wrapped.has(stream)) return;
  wrapped.add(stream);
  const write = stream.write;
  let corked = false;
  const flush = () => {
    corked = false;
    // A socket ended meanwhile flushed its buffer itself (end() uncorks); a destroyed one has nothing to send.
    if (!stream.destroyed) stream.uncork();
  };
  stream.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (!corked && !stream.destroyed) {
      corked = true;
      stream.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Socket['write'];
}
