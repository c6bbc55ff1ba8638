export * from './env.ts';
export * from './failover-env.ts';
