export * from './health-server.ts';
export * from './shutdown.ts';
