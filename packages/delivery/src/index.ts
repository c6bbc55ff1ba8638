export * from './breaker.ts';
export * from './channel-worker.ts';
export * from './escalations.ts';
export * from './outcome-bus.ts';
export * from './processor.ts';
export * from './record.ts';
export * from './retry-policy.ts';
export * from './store.ts';
