/**
 * The delivery records, the outcome listener, the ledger and the console's index of it, without the send loop: what hook-ingress needs
 * (`@byot/delivery/records`). Importing the package root would also load every provider SDK (through the workers'
 * attempt loop) into the ingress, which never calls a provider: tens of MB of memory and start-up time for nothing.
 */
export * from './attempt-ledger.ts';
export * from './delivery-record.ts';
export * from './delivery-store.ts';
export * from './ledger-index.ts';
export * from './outcome-listener.ts';
