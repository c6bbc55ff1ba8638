/**
 * The delivery records, the outcome bus and the ledger, without the send loop: what hook-ingress needs. Importing
 * the package root would also load every provider SDK (through the workers' attempt loop) into the ingress, which
 * never calls a provider: tens of MB of memory and start-up time for nothing.
 */
export * from './ledger.ts';
export * from './outcome-bus.ts';
export * from './record.ts';
export * from './store.ts';
