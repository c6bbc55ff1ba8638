export * from './person-index.ts';
export * from './sealer.ts';
