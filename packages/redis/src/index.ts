export * from './coalesce-writes.ts';
export * from './connections.ts';
export * from './keyspace.ts';
export * from './queues.ts';
export * from './scripts.ts';
export * from './target.ts';
export * from './workers.ts';
