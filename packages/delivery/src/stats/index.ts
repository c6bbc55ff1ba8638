/**
 * What the support console reads of provider health, without the send loop (so hook-ingress loads no provider SDK):
 * the per-minute figures the workers record, and the shared circuit breakers.
 */
export { type BreakerSnapshot, type BreakerState, CircuitBreakers } from '../breaker.ts';
export * from './latency-histogram.ts';
export * from './provider-stats.ts';
