export * from './http.ts';
export * from './okta.ts';
export * from './ports.ts';
export * from './processes.ts';
export * from './redis.ts';
export * from './waiting.ts';
