import type { Redis } from 'ioredis';
import { Packr } from 'msgpackr';

const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

export type LuaScript<Args extends object, Reply> = (keys: readonly string[], args: Args) => Promise<Reply>;

/** Keys as KEYS, everything else as one MessagePack table (`cmsgpack.unpack(ARGV[1])`), as BullMQ's scripts. */
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
