import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../lib/logger.ts';
import type { Channel, ProviderName } from '../providers.ts';
import type { RecordStore } from '../store/record-store.ts';
import type { FaultController } from './fault-controller.ts';

/**
 * In front of a provider's routes: while the provider is down, a request has its connection reset (the socket
 * destroyed without an answer), the closest a shared port can come to "the provider is unreachable". It is
 * recorded as faulted with fault "down", so a drill can count the attempts made during the outage.
 * The dedicated listener of a down provider is closed instead (server.ts): there, connections are refused.
 */
export function downGate(options: {
  provider: ProviderName;
  faults: FaultController;
  store: RecordStore;
  logger: Logger;
  /** Which channel a request of this provider is for, from its path. */
  channelOf: (path: string) => Channel;
}): RequestHandler {
  const { provider, faults, store, logger, channelOf } = options;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!faults.isDown(provider)) {
      next();
      return;
    }
    const channel = channelOf(req.originalUrl.split('?')[0] ?? req.originalUrl);
    store.addRejected({
      provider,
      channel,
      outcome: 'faulted',
      fault: 'down',
      to: null,
      from: null,
      httpStatus: null,
      errorCode: null,
      errorMessage: 'connection reset: the provider is down',
    });
    logger.info(`${provider} request reset`, { channel, fault: 'down' });
    res.socket?.destroy();
  };
}
