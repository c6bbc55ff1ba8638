import type { Redis } from 'ioredis';
import { Packr } from 'msgpackr';

/**
 * Lua scripts take their keys as KEYS (Redis Cluster routes on them) and everything else as ONE MessagePack-packed
 * table, as BullMQ's own scripts do: named fields instead of positional ARGV[n] (a script with eighteen of them
 * cannot be read, nor changed without miscounting), absent fields instead of '' placeholders. The script opens it
 * with `local args = cmsgpack.unpack(ARGV[1])` (cmsgpack is built into Redis's Lua).
 *
 * Packed like BullMQ's (no msgpackr records, which cmsgpack cannot read; undefined as nil, so an absent field is
 * nil in Lua). Numbers arrive as Lua numbers (doubles): epoch milliseconds and counters are exact.
 */
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/** A defined script: call it with its keys and its one argument table. */
export type LuaScript<Args extends object, Reply> = (keys: readonly string[], args: Args) => Promise<Reply>;

/**
 * Registers `lua` on the connection under `name` (ioredis sends EVALSHA and loads the script on a NOSCRIPT miss,
 * so a Redis restart or failover needs nothing from us) and returns it as a typed function.
 */
export function defineScript<Args extends object, Reply>(
  redis: Redis,
  name: string,
  lua: string,
): LuaScript<Args, Reply> {
  redis.defineCommand(name, { lua });
  const command = (redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name];
  if (typeof command !== 'function') throw new Error(`could not define Redis script ${name}`);
  return (keys, args) => command.call(redis, keys.length, ...keys, packer.pack(args)) as Promise<Reply>;
}

/** The first line of every script defined with defineScript: its argument table. */
export const UNPACK_ARGS = 'local args = cmsgpack.unpack(ARGV[1])';
