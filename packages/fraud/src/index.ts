export * from './blocks.ts';
export * from './destination.ts';
export * from './duration.ts';
export * from './guard.ts';
export * from './keys.ts';
export * from './policy.ts';
export * from './rules.ts';
export * from './tenants.ts';
