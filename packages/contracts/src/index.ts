export * from './channel.ts';
export * from './jobs.ts';
export * from './okta-hook.ts';
export * from './okta-reading.ts';
export * from './outcome.ts';
export * from './phone.ts';
export * from './status.ts';
export * from './tenant.ts';
