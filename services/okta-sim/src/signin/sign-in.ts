import { randomInt } from 'node:crypto';
import { normalisePhoneNumber, type OktaReading } from '@byot/contracts';
import type { Logger } from '@byot/observability';
import { hookKeyOf } from '../api/inline-hooks.ts';
import { callTelephonyHook, type HookCall } from '../hooks/telephony-caller.ts';
import { oktaId, randomBase62 } from '../lib/ids.ts';
import { maskPhone } from '../lib/mask.ts';
import { OktaApiError } from '../lib/okta-error.ts';
import { secretEquals } from '../lib/secrets.ts';
import { isoNow } from '../lib/time.ts';
import type { Org } from '../org/org.ts';
import type { InlineHook, User } from '../org/types.ts';
import { enrollmentDecision, type RequestContext, signOnDecision } from './policy-evaluation.ts';

export type Flow = 'enrollment' | 'mfa' | 'unlock' | 'password-reset';
export type Channel = 'sms' | 'voice';

const REQUEST_TYPES: Record<Flow, string> = {
  enrollment: 'com.okta.user.telephony.pre-enrollment',
  mfa: 'com.okta.user.telephony.mfa-verification',
  unlock: 'com.okta.user.telephony.account-unlock',
  'password-reset': 'com.okta.user.telephony.password-reset',
};
const REQUEST_URLS: Record<Flow, string> = {
  enrollment: '/idp/idx/credential/enroll',
  mfa: '/idp/idx/challenge',
  unlock: '/idp/idx/unlock-account',
  'password-reset': '/idp/idx/recover',
};
const OTP_LIFETIME_MS = 5 * 60_000;
const MAX_ATTEMPTS = 5;
const KEPT = 200;

/** Who sent the code, as Okta's logs would show it. */
export type Sender =
  | { by: 'hook'; hookId: string; hookName: string }
  | { by: 'okta'; reason: string }
  | { by: 'custom-provider'; provider: string };

export interface Challenge {
  id: string;
  userId: string;
  login: string;
  flow: Flow;
  requestType: string;
  channel: Channel;
  /** E.164; only the masked form leaves the simulator's API. */
  phoneNumber: string;
  eventId: string;
  /** The code Okta generated (never shown by the API; the sandbox user types it back). */
  otp: string;
  createdAt: number;
  expiresAt: number;
  attempts: number;
  state: 'waiting' | 'verified' | 'refused' | 'expired' | 'locked';
  sender: Sender;
  /** The hook call behind this code, if Okta called one. */
  hookCall?: HookCall;
  /** How many times this challenge was sent (1 + resends). */
  sends: number;
  /** The browser's address, as Okta reports it in data.context.request.ipAddress. */
  ipAddress: string;
}

/** A code Okta sent through its own providers (fallback) or a native custom telephony provider. */
export interface OktaDelivery {
  at: string;
  challengeId: string;
  eventId: string;
  phoneMasked: string;
  channel: Channel;
  sender: Sender;
  /** What the person's phone shows: this is Okta's own message, delivered to the simulated phone. */
  message: string;
}

export interface SignInOptions {
  org: Org;
  orgUrl: () => string;
  resendIntervalMs: number;
  hookTimeoutMs: number;
  signal: AbortSignal;
  logger?: Logger;
  now?: () => number;
  onHookCall: (call: HookCall, via: 'sign-in') => void;
}

export interface ChallengeResult {
  /** Null when the user got in without a phone code (the rule asked for none). */
  challenge: Challenge | null;
  /** What Okta decided and why, in plain words. */
  notes: string[];
}

function sandboxError(status: number, code: string, summary: string): OktaApiError {
  return new OktaApiError(status, code, summary);
}

/**
 * Okta at sign-in: enrolment, MFA, unlock and password reset with the phone authenticator. Each generates an
 * OTP, calls the org's active telephony hook as Okta does (or, on a timeout, a non-200 or an error object, sends
 * the code through "Okta's own provider" and records that, so a second delivery by the hook's service shows),
 * and lets the person type the code back.
 */
export class SignInService {
  readonly challenges = new Map<string, Challenge>();
  readonly oktaDeliveries: OktaDelivery[] = [];
  readonly #lastSendByNumber = new Map<string, number>();
  readonly #options: SignInOptions;
  readonly #now: () => number;

  constructor(options: SignInOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async enroll(
    login: string,
    phone: string,
    channel: Channel,
    context: RequestContext,
  ): Promise<ChallengeResult> {
    const { org } = this.#options;
    const user = this.#activeUser(login);
    const notes: string[] = [];
    const phoneAuthenticator = this.#phoneAuthenticator(channel);
    const allowedFor = String(phoneAuthenticator.settings?.allowedFor ?? 'none');
    if (allowedFor !== 'any' && allowedFor !== 'sso') {
      throw sandboxError(
        403,
        'E0000001',
        `The phone authenticator is set for "${allowedFor}", not for authentication: enrolment is not offered.`,
      );
    }
    const decision = enrollmentDecision(org, user, context);
    if (!decision || decision.phone === 'NOT_ALLOWED' || decision.action === 'NEVER') {
      throw sandboxError(
        403,
        'E0000001',
        decision
          ? `The enrollment policy "${decision.policy.name}"${decision.rule ? ` (rule "${decision.rule.name}")` : ''} does not allow the phone authenticator for this user here.`
          : 'No enrollment policy applies to this user here.',
      );
    }
    notes.push(
      `enrollment policy "${decision.policy.name}", rule "${decision.rule?.name ?? '-'}": phone ${decision.phone.toLowerCase()}`,
    );
    const parsed = normalisePhoneNumber(phone, 'US');
    if (!parsed.ok || !parsed.valid) {
      throw sandboxError(
        400,
        'E0000001',
        'Api validation failed: phoneNumber — Okta refuses invalid numbers at enrollment.',
      );
    }
    const challenge = await this.#challenge(user, 'enrollment', channel, parsed.e164, context.ipAddress);
    return { challenge, notes };
  }

  async signIn(login: string, context: RequestContext): Promise<ChallengeResult> {
    const { org } = this.#options;
    const user = this.#activeUser(login);
    const decision = signOnDecision(org, user, context);
    if (!decision) throw sandboxError(403, 'E0000001', 'No authentication policy rule applies.');
    const notes = [
      `authentication policy "${decision.policy.name}", rule "${decision.rule.name}" (priority ${decision.rule.priority})`,
    ];
    if (decision.access === 'DENY')
      throw sandboxError(403, 'E0000006', `The rule "${decision.rule.name}" denies access.`);
    if (decision.phoneMethod === null) {
      notes.push('the rule asks for no phone factor: signed in with the password only');
      return { challenge: null, notes };
    }
    if (!user.phone) {
      throw sandboxError(
        403,
        'E0000001',
        `The rule "${decision.rule.name}" asks for the phone, and this user has none enrolled: enroll one first.`,
      );
    }
    const channel: Channel = decision.phoneMethod === 'any' ? user.phone.method : decision.phoneMethod;
    this.#phoneAuthenticator(channel);
    return {
      challenge: await this.#challenge(user, 'mfa', channel, user.phone.phoneNumber, context.ipAddress),
      notes,
    };
  }

  async recover(
    login: string,
    flow: 'unlock' | 'password-reset',
    channel: Channel | undefined,
  ): Promise<ChallengeResult> {
    const user = this.#activeUser(login, true);
    const authenticator = this.#phoneAuthenticator(channel ?? user.phone?.method ?? 'sms');
    const allowedFor = String(authenticator.settings?.allowedFor ?? 'none');
    if (allowedFor !== 'any' && allowedFor !== 'recovery') {
      throw sandboxError(
        403,
        'E0000001',
        `The phone authenticator is set for "${allowedFor}": it cannot be used for recovery.`,
      );
    }
    if (!user.phone) throw sandboxError(403, 'E0000001', 'This user has no phone enrolled to recover with.');
    const used = channel ?? user.phone.method;
    return {
      challenge: await this.#challenge(user, flow, used, user.phone.phoneNumber),
      notes: [`recovery with the phone authenticator (allowed for ${allowedFor})`],
    };
  }

  /** Okta's "Resend": a new code, a new hook call, same 30-second limit per number. */
  async resend(challengeId: string, channel?: Channel): Promise<Challenge> {
    const challenge = this.#find(challengeId);
    this.#expire(challenge);
    if (challenge.state !== 'waiting') {
      throw sandboxError(400, 'E0000001', `This challenge is ${challenge.state}: start again.`);
    }
    if (channel) {
      this.#phoneAuthenticator(channel);
      challenge.channel = channel;
    }
    this.#throttle(challenge.phoneNumber);
    challenge.otp = newOtp();
    challenge.eventId = newEventId();
    challenge.createdAt = this.#now();
    challenge.expiresAt = challenge.createdAt + OTP_LIFETIME_MS;
    challenge.attempts = 0;
    challenge.sends += 1;
    await this.#deliver(challenge);
    return challenge;
  }

  /** The guide's "enter it and click Verify". */
  verify(challengeId: string, code: string): { challenge: Challenge; verified: boolean; reason?: string } {
    const challenge = this.#find(challengeId);
    this.#expire(challenge);
    if (challenge.state !== 'waiting')
      return { challenge, verified: false, reason: `the challenge is ${challenge.state}` };
    if (!/^\d{4,10}$/.test(code.trim()) || !secretEquals(code.trim(), challenge.otp)) {
      challenge.attempts += 1;
      if (challenge.attempts >= MAX_ATTEMPTS) challenge.state = 'locked';
      return {
        challenge,
        verified: false,
        reason:
          challenge.state === 'locked'
            ? 'too many wrong codes: the challenge is locked'
            : 'Invalid Passcode/Answer',
      };
    }
    challenge.state = 'verified';
    const user = this.#options.org.users.get(challenge.userId);
    if (user && challenge.flow === 'enrollment') {
      user.phone = {
        id: oktaId('pae'),
        phoneNumber: challenge.phoneNumber,
        method: challenge.channel,
        created: isoNow(),
      };
      user.lastUpdated = isoNow();
    }
    if (user && challenge.flow === 'unlock' && user.status === 'LOCKED_OUT') user.status = 'ACTIVE';
    return { challenge, verified: true };
  }

  get(challengeId: string): Challenge {
    const challenge = this.#find(challengeId);
    this.#expire(challenge);
    return challenge;
  }

  async #challenge(
    user: User,
    flow: Flow,
    channel: Channel,
    phoneNumber: string,
    ipAddress = '127.0.0.1',
  ): Promise<Challenge> {
    this.#throttle(phoneNumber);
    const now = this.#now();
    const challenge: Challenge = {
      id: oktaId('chl'),
      userId: user.id,
      login: user.profile.login,
      flow,
      requestType: REQUEST_TYPES[flow],
      channel,
      phoneNumber,
      eventId: newEventId(),
      otp: newOtp(),
      createdAt: now,
      expiresAt: now + OTP_LIFETIME_MS,
      attempts: 0,
      state: 'waiting',
      sender: { by: 'okta', reason: 'not sent yet' },
      sends: 1,
      ipAddress,
    };
    this.challenges.set(challenge.id, challenge);
    for (const id of [...this.challenges.keys()].slice(0, Math.max(0, this.challenges.size - KEPT)))
      this.challenges.delete(id);
    await this.#deliver(challenge);
    return challenge;
  }

  async #deliver(challenge: Challenge): Promise<void> {
    const { org, logger } = this.#options;
    const provider =
      [...org.telephonyProviders.values()].find((p) => p.enabled && p.isPrimaryProvider) ??
      [...org.telephonyProviders.values()].find((p) => p.enabled);
    delete challenge.hookCall;
    if (provider) {
      // Okta's native Custom Telephony Provider takes the send: no hook is called.
      challenge.sender = { by: 'custom-provider', provider: provider.providerName };
      this.#recordOktaDelivery(challenge);
      return;
    }
    const hooks = org.activeTelephonyHooks();
    const hook: InlineHook | undefined = hooks[0];
    if (!hook) {
      challenge.sender = { by: 'okta', reason: 'no active telephony inline hook' };
      this.#recordOktaDelivery(challenge);
      return;
    }
    if (hooks.length > 1) {
      logger?.warn(
        { used: hook.id, skipped: hooks.slice(1).map((h) => h.id) },
        'second active telephony hook skipped',
      );
    }
    const call = await callTelephonyHook({
      hook,
      secret: org.hookSecrets.get(hook.id),
      hookKey: hookKeyOf(org, hook),
      payload: this.#payload(challenge, hook),
      timeoutMs: this.#options.hookTimeoutMs,
      signal: this.#options.signal,
    });
    challenge.hookCall = call;
    this.#options.onHookCall(call, 'sign-in');
    logger?.info(
      {
        eventId: call.eventId,
        hookId: hook.id,
        auth: call.auth,
        httpStatus: call.httpStatus ?? null,
        durationMs: call.durationMs,
        tokenMs: call.token?.durationMs ?? null,
        reading: call.reading.kind,
      },
      'telephony hook called',
    );
    if (call.reading.kind === 'taken') {
      challenge.sender = { by: 'hook', hookId: hook.id, hookName: hook.name };
      return;
    }
    challenge.sender = { by: 'okta', reason: fallbackReason(call.reading) };
    this.#recordOktaDelivery(challenge);
  }

  #recordOktaDelivery(challenge: Challenge): void {
    this.oktaDeliveries.unshift({
      at: isoNow(this.#now()),
      challengeId: challenge.id,
      eventId: challenge.eventId,
      phoneMasked: maskPhone(challenge.phoneNumber),
      channel: challenge.channel,
      sender: challenge.sender,
      message: `Your verification code is ${challenge.otp}`,
    });
    this.oktaDeliveries.length = Math.min(this.oktaDeliveries.length, KEPT);
  }

  #payload(challenge: Challenge, hook: InlineHook) {
    const user = this.#options.org.users.get(challenge.userId);
    return {
      eventId: challenge.eventId,
      eventTime: new Date(challenge.createdAt).toISOString(),
      eventType: 'com.okta.telephony.provider',
      eventTypeVersion: '1.0',
      contentType: 'application/json',
      cloudEventVersion: '0.1',
      source: `${this.#options.orgUrl()}/api/v1/inlineHooks/${hook.id}`,
      requestType: challenge.requestType,
      data: {
        context: {
          request: {
            id: `req${randomBase62(22)}`,
            method: 'POST',
            url: { value: REQUEST_URLS[challenge.flow] },
            ipAddress: challenge.ipAddress,
          },
        },
        userProfile: {
          firstName: user?.profile.firstName ?? '',
          lastName: user?.profile.lastName ?? '',
          login: challenge.login,
          userId: challenge.userId,
        },
        messageProfile: {
          msgTemplate: `Your verification code is ${challenge.otp}`,
          phoneNumber: challenge.phoneNumber,
          otpExpires: new Date(challenge.expiresAt).toISOString(),
          deliveryChannel: challenge.channel === 'sms' ? 'SMS' : 'voice call',
          otpCode: challenge.otp,
          locale: 'EN-US',
        },
      },
    };
  }

  #throttle(phoneNumber: string): void {
    const last = this.#lastSendByNumber.get(phoneNumber);
    const now = this.#now();
    if (last !== undefined && now - last < this.#options.resendIntervalMs) {
      const wait = Math.ceil((this.#options.resendIntervalMs - (now - last)) / 1000);
      throw new OktaApiError(
        429,
        'E0000109',
        `An SMS message was recently sent. Please wait ${wait} seconds before trying again.`,
      );
    }
    this.#lastSendByNumber.set(phoneNumber, now);
  }

  #expire(challenge: Challenge): void {
    if (challenge.state === 'waiting' && challenge.expiresAt <= this.#now()) challenge.state = 'expired';
  }

  #find(id: string): Challenge {
    const challenge = this.challenges.get(id);
    if (!challenge)
      throw new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (Challenge)`);
    return challenge;
  }

  #activeUser(login: string, allowLocked = false): User {
    const user = this.#options.org.findUser(login);
    if (!user) throw new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${login} (User)`);
    if (user.status !== 'ACTIVE' && !(allowLocked && user.status === 'LOCKED_OUT')) {
      throw new OktaApiError(403, 'E0000038', "This operation is not allowed in the user's current status.");
    }
    return user;
  }

  #phoneAuthenticator(channel: Channel) {
    const authenticator = this.#options.org.authenticatorByKey('phone_number');
    if (authenticator?.status !== 'ACTIVE') {
      throw sandboxError(403, 'E0000001', 'The phone authenticator is not active in this org.');
    }
    const method = authenticator.methods.find((m) => m.type === channel);
    if (method?.status !== 'ACTIVE') {
      throw sandboxError(403, 'E0000001', `The phone authenticator's ${channel} method is not active.`);
    }
    return authenticator;
  }
}

function fallbackReason(reading: Extract<OktaReading, { kind: 'fallback' }>): string {
  return `${reading.reason}: ${reading.detail}`;
}

function newOtp(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

function newEventId(): string {
  for (;;) {
    const id = randomBase62(22);
    if (/[A-Za-z]/.test(id)) return id;
  }
}
