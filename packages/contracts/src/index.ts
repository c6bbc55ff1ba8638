export * from './channel.ts';
export * from './jobs.ts';
export * from './okta-hook.ts';
export * from './outcome.ts';
export * from './phone.ts';
export * from './queue-catalog.ts';
export * from './status.ts';
export * from './tenant.ts';
