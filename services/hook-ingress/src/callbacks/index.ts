import express, { type Router } from 'express';
import type { CallbackDeps } from './common.ts';
import { sendgridCallbacksRouter } from './sendgrid.ts';
import { twilioCallbacksRouter } from './twilio.ts';
import { vonageCallbacksRouter } from './vonage.ts';

export type { CallbackDeps, StatusSink } from './common.ts';
export { StatusSinkUnavailable } from './common.ts';
export { QueueStatusSink } from './status-sink.ts';

/** Every provider's status-callback routes, at CALLBACK_PATHS: verify, normalise, enqueue, answer 2xx fast. */
export function callbacksRouter(deps: CallbackDeps): Router {
  const router = express.Router();
  router.use(twilioCallbacksRouter(deps));
  router.use(vonageCallbacksRouter(deps));
  router.use(sendgridCallbacksRouter(deps));
  return router;
}
