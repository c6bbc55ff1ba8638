export type { CallbackDeps, StatusSink } from './common.ts';
export { StatusSinkUnavailable } from './common.ts';
export { callbacksRouter } from './router.ts';
export { QueueStatusSink } from './status-sink.ts';
