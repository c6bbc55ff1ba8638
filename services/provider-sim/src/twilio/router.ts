import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FaultController } from '../faults/fault-controller.ts';
import { clientGone, holdOpen, sleep } from '../lib/abortable.ts';
import type { Logger } from '../lib/logger.ts';
import { maskPhone } from '../lib/mask.ts';
import { newSid, type SidPrefix } from '../lib/sid.ts';
import type { Channel } from '../providers.ts';
import type { NewAcceptedRecord, RecordStore } from '../store/record-store.ts';
import type { AcceptedRecord, RejectedRecord } from '../store/records.ts';
import {
  ACCOUNT_STATUSES,
  type AccountStatus,
  type SimulatedAccount,
  type TwilioAccounts,
} from './accounts.ts';
import { authenticate, authorizeTwilio, checkCredentials } from './auth.ts';
import { type CallDraft, validateCallRequest } from './call-request.ts';
import {
  badRequest,
  GENERIC_BAD_REQUEST,
  injectedError,
  notFoundError,
  sendTwilioError,
  type TwilioError,
  tooManyRequestsError,
  type Validation,
} from './errors.ts';
import { FormParams } from './form.ts';
import { type MessageDraft, validateMessageRequest } from './message-request.ts';
import { callResource, messageResource } from './resources.ts';

export interface TwilioRouterOptions {
  /** The main account and its subaccounts. */
  accounts: TwilioAccounts;
  store: RecordStore;
  faults: FaultController;
  logger: Logger;
  /** Aborted when the simulator shuts down: delayed and hung requests then drop their sockets. */
  shutdown: AbortSignal;
  /** Called with every accepted message or call (status callbacks start here). */
  onAccepted?: (record: AcceptedRecord) => void;
}

/** What differs between creating a Message and creating a Call; the request pipeline is the same. */
interface ResourceSpec<Draft> {
  channel: Channel;
  sidPrefix: SidPrefix;
  validate(form: FormParams): Validation<Draft>;
  toRecord(draft: Draft, sid: string, accountSid: string): NewAcceptedRecord;
  render(record: AcceptedRecord): Record<string, unknown>;
}

const MESSAGES: ResourceSpec<MessageDraft> = {
  channel: 'sms',
  sidPrefix: 'SM',
  validate: validateMessageRequest,
  toRecord: (draft, sid, accountSid) => ({
    provider: 'twilio',
    channel: 'sms',
    sid,
    accountSid,
    to: draft.to,
    from: draft.from,
    // With a Messaging Service Twilio first "accepts" the message, then picks a sender and queues it.
    status: draft.messagingServiceSid ? 'accepted' : 'queued',
    ...(draft.messagingServiceSid ? { messagingServiceSid: draft.messagingServiceSid } : {}),
    body: draft.body,
    numSegments: draft.numSegments,
    numMedia: draft.mediaUrls.length,
    ...(draft.validityPeriod === undefined ? {} : { validityPeriod: draft.validityPeriod }),
    ...(draft.statusCallback === undefined ? {} : { statusCallback: draft.statusCallback }),
  }),
  render: messageResource,
};

const CALLS: ResourceSpec<CallDraft> = {
  channel: 'voice',
  sidPrefix: 'CA',
  validate: validateCallRequest,
  toRecord: (draft, sid, accountSid) => ({
    provider: 'twilio',
    channel: 'voice',
    sid,
    accountSid,
    to: draft.to,
    from: draft.from,
    status: 'queued',
    ...(draft.speech ? { speech: draft.speech } : {}),
    ...(draft.url === undefined ? {} : { url: draft.url }),
    ...(draft.applicationSid === undefined ? {} : { applicationSid: draft.applicationSid }),
    timeout: draft.timeout,
    ...(draft.statusCallback === undefined ? {} : { statusCallback: draft.statusCallback }),
    ...(draft.statusCallbackMethod === undefined ? {} : { statusCallbackMethod: draft.statusCallbackMethod }),
    statusCallbackEvents: draft.statusCallbackEvents,
  }),
  render: callResource,
};

/**
 * Twilio's REST API (2010-04-01) for Messages and Calls, mounted at /2010-04-01 so that twilio-node, with an
 * httpClient that swaps https://api.twilio.com for the simulator's URL, sends its usual paths unchanged.
 * Self-contained on purpose (its own body parser and error handler): the same router can later be served on a
 * dedicated per-provider listener, which is how "Twilio is down" (connection refused) will be simulated.
 */
export function createTwilioRouter(options: TwilioRouterOptions): Router {
  const { accounts, store, faults, logger, shutdown } = options;
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 200 }));

  function requestPath(req: Request): string {
    return req.originalUrl.split('?')[0] ?? req.originalUrl;
  }

  function refuse(
    res: Response,
    channel: Channel,
    seen: { to: string | null; from: string | null },
    error: TwilioError,
    outcome: RejectedRecord['outcome'],
    fault?: RejectedRecord['fault'],
  ): void {
    store.addRejected({
      provider: 'twilio',
      channel,
      outcome,
      ...seen,
      httpStatus: error.status,
      errorCode: error.code,
      errorMessage: error.detail ? `${error.message}: ${error.detail}` : error.message,
      ...(fault ? { fault } : {}),
    });
    logger.info('twilio request refused', {
      channel,
      outcome,
      ...(fault ? { fault } : {}),
      status: error.status,
      code: error.code,
      to: maskPhone(seen.to),
    });
    if (!clientGone(res)) sendTwilioError(res, error);
  }

  function createHandler<Draft>(spec: ResourceSpec<Draft>) {
    return async (req: Request, res: Response): Promise<void> => {
      const form = FormParams.from(req.body);
      const seen = { to: form.get('To') ?? null, from: form.get('From') ?? null };
      const decision = faults.decide('twilio');

      if ((await sleep(decision.latencyMs, shutdown)) === 'aborted') {
        res.socket?.destroy();
        return;
      }

      // Injected faults answer before authentication: a struggling provider fails whoever is calling.
      const action = decision.action;
      if (action.kind === 'hang') {
        store.addRejected({
          provider: 'twilio',
          channel: spec.channel,
          outcome: 'faulted',
          fault: 'hang',
          ...seen,
          httpStatus: null,
          errorCode: null,
          errorMessage: 'held open without an answer (hangRate)',
        });
        logger.info('twilio request held open', {
          channel: spec.channel,
          fault: 'hang',
          to: maskPhone(seen.to),
        });
        if (!clientGone(res)) await holdOpen(res, shutdown);
        return;
      }
      if (action.kind === 'throttle') {
        refuse(
          res,
          spec.channel,
          seen,
          tooManyRequestsError(action.retryAfterSeconds),
          'faulted',
          'throttle',
        );
        return;
      }
      if (action.kind === 'error') {
        refuse(res, spec.channel, seen, injectedError(action.status, action.code), 'faulted', 'error');
        return;
      }

      const auth = authorizeTwilio(
        req.get('authorization'),
        String(req.params.accountSid),
        requestPath(req),
        accounts,
      );
      if (!auth.ok) {
        refuse(res, spec.channel, seen, auth.error, 'rejected');
        return;
      }
      const account = auth.account;
      const result = spec.validate(form);
      if (!result.ok) {
        refuse(res, spec.channel, seen, result.error, 'rejected');
        return;
      }
      if (decision.invalidNumber) {
        const error = badRequest(21211, `The 'To' number ${seen.to ?? ''} is not a valid phone number.`);
        refuse(res, spec.channel, seen, error, 'faulted', 'invalid-number');
        return;
      }

      const record = store.addAccepted(
        spec.toRecord(result.value, newSid(spec.sidPrefix), account.accountSid),
      );
      logger.info('twilio request accepted', {
        channel: spec.channel,
        outcome: 'accepted',
        sid: record.sid,
        to: maskPhone(record.to),
      });
      options.onAccepted?.(record);
      // If the client gave up during injected latency the resource still exists, exactly as at Twilio:
      // a timed-out create may well have been delivered, and callers must cope with that.
      if (!clientGone(res)) res.status(201).json(spec.render(record));
    };
  }

  function fetchHandler(spec: Pick<ResourceSpec<unknown>, 'channel' | 'render'>) {
    return (req: Request, res: Response): void => {
      const path = requestPath(req);
      const auth = authorizeTwilio(req.get('authorization'), String(req.params.accountSid), path, accounts);
      if (!auth.ok) {
        sendTwilioError(res, auth.error);
        return;
      }
      const record = store.findBySid(String(req.params.sid));
      if (
        record?.provider !== 'twilio' ||
        record.channel !== spec.channel ||
        record.accountSid !== auth.account.accountSid
      ) {
        sendTwilioError(res, notFoundError(path));
        return;
      }
      res.json(spec.render(record));
    };
  }

  /**
   * Twilio's Account resource, for subaccounts: read one, or change its status (active | suspended | closed) and
   * friendly name, as the main account. This is how an MSP (or a drill) suspends one customer's subaccount.
   */
  function accountHandler(req: Request, res: Response): void {
    const path = requestPath(req);
    const caller = authenticate(req.get('authorization'), accounts);
    if (!caller.ok) {
      sendTwilioError(res, caller.error);
      return;
    }
    const target = accounts.get(String(req.params.accountSid));
    if (!target || !accounts.mayActOn(caller.account, target)) {
      sendTwilioError(res, notFoundError(path));
      return;
    }
    if (req.method === 'POST') {
      const form = FormParams.from(req.body);
      const status = form.get('Status');
      if (status !== undefined) {
        if (!(ACCOUNT_STATUSES as readonly string[]).includes(status)) {
          sendTwilioError(
            res,
            badRequest(GENERIC_BAD_REQUEST, `Status must be one of ${ACCOUNT_STATUSES.join(', ')}`),
          );
          return;
        }
        if (target.accountSid === caller.account.accountSid) {
          sendTwilioError(res, badRequest(GENERIC_BAD_REQUEST, 'An account cannot change its own status'));
          return;
        }
        accounts.setStatus(target.accountSid, status as AccountStatus);
        logger.info('twilio account status changed', { accountSid: target.accountSid, status });
      }
      const friendlyName = form.get('FriendlyName');
      if (friendlyName !== undefined) target.friendlyName = friendlyName.slice(0, 64);
    }
    res.json(accountResource(target));
  }

  router.get('/Accounts/:accountSid.json', accountHandler);
  router.post('/Accounts/:accountSid.json', accountHandler);
  router.post('/Accounts/:accountSid/Messages.json', createHandler(MESSAGES));
  router.post('/Accounts/:accountSid/Calls.json', createHandler(CALLS));
  router.get('/Accounts/:accountSid/Messages/:sid.json', fetchHandler(MESSAGES));
  router.get('/Accounts/:accountSid/Calls/:sid.json', fetchHandler(CALLS));

  // Anything else under /2010-04-01: Twilio authenticates first, then reports the resource as unknown.
  router.use((req: Request, res: Response) => {
    sendTwilioError(
      res,
      checkCredentials(req.get('authorization'), accounts) ?? notFoundError(requestPath(req)),
    );
  });

  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = httpStatusOf(error);
    if (status !== undefined && status < 500) {
      // Body-parser failures: malformed encoding, too large, too many parameters.
      const message = error instanceof Error ? error.message : 'unreadable request';
      sendTwilioError(res, {
        status,
        code: GENERIC_BAD_REQUEST,
        message: `Could not read the request body: ${message}`,
      });
      return;
    }
    logger.error('twilio handler failed', { path: requestPath(req), error: String(error) });
    sendTwilioError(res, { status: 500, code: 20500, message: 'Internal Server Error' });
  });

  return router;
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** Twilio's Account resource (the fields clients read; the auth token is never echoed). */
function accountResource(account: SimulatedAccount): Record<string, unknown> {
  return {
    sid: account.accountSid,
    owner_account_sid: account.ownerAccountSid,
    friendly_name: account.friendlyName,
    status: account.status,
    type: 'Full',
    uri: `/2010-04-01/Accounts/${account.accountSid}.json`,
  };
}
