export * from './breaker.ts';
export * from './channel-worker.ts';
export * from './escalations.ts';
export * from './events.ts';
export * from './processor.ts';
export * from './receipts.ts';
export * from './records/index.ts';
export * from './retry-policy.ts';
