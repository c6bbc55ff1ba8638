import express, { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { parseBody } from '../api/common.ts';
import type { RateLimiter } from '../api/rate-limit.ts';
import type { HookCall } from '../hooks/telephony-caller.ts';
import { escapeHtml, PAGE_HEADERS, PAGE_STYLE } from '../lib/html.ts';
import { maskPhone } from '../lib/mask.ts';
import { OktaApiError, oktaErrorHandler, validationFailed } from '../lib/okta-error.ts';
import type { Org } from '../org/org.ts';
import type { RequestContext } from './policy-evaluation.ts';
import type { Challenge, ChallengeResult, SignInService } from './sign-in.ts';

export interface LoggedHookCall extends HookCall {
  via: 'execute' | 'sign-in';
}

export interface SandboxOptions {
  org: Org;
  signIn: SignInService;
  hookCalls: () => readonly LoggedHookCall[];
  rateLimiter: RateLimiter;
  /** Where the provider simulator's inbox is (OKTA_SIM_INBOX_URL), to point people at their codes. */
  inboxUrl?: string;
}

const channel = z.enum(['sms', 'voice']);
const context = {
  ipAddress: z.ipv4().default('127.0.0.1'),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 country code')
    .optional()
    .or(z.literal('').transform(() => undefined)),
};
const EnrollInput = z.object({
  login: z.string().min(1),
  phoneNumber: z.string().min(3).max(32),
  channel: channel.default('sms'),
  ...context,
});
const SignInInput = z.object({ login: z.string().min(1), ...context });
const RecoverInput = z.object({
  login: z.string().min(1),
  flow: z.enum(['unlock', 'password-reset']),
  channel: channel.optional(),
});
const ResendInput = z.object({ channel: channel.optional().or(z.literal('').transform(() => undefined)) });
const VerifyInput = z.object({ code: z.string().max(20) });
const FaultInput = z.object({
  rateLimit: z
    .object({
      next: z.number().int().min(0).max(1000),
      resetSeconds: z.number().int().min(0).max(60).optional(),
    })
    .nullish(),
});

/** A challenge as the API shows it: masked number, no code. */
export function challengeView(challenge: Challenge) {
  return {
    id: challenge.id,
    login: challenge.login,
    flow: challenge.flow,
    requestType: challenge.requestType,
    channel: challenge.channel,
    phoneMasked: maskPhone(challenge.phoneNumber),
    eventId: challenge.eventId,
    state: challenge.state,
    attempts: challenge.attempts,
    sends: challenge.sends,
    expiresAt: new Date(challenge.expiresAt).toISOString(),
    sender: challenge.sender,
    ...(challenge.hookCall ? { hookCall: challenge.hookCall } : {}),
  };
}

/**
 * The guide's last step, "sign in as the test user, enroll the phone, enter the code": a JSON API
 * (`/sandbox/api/…`, for tests and scripts) and a page (`/sandbox`, forms only, no script) over the same
 * SignInService, plus the simulator's fault knob (`/sim/faults`: a burst of 429s on the Management API).
 */
export function sandboxRouter(options: SandboxOptions): Router {
  const { org, signIn } = options;
  const router = Router();
  router.use(express.json({ limit: '16kb' }), express.urlencoded({ extended: false, limit: '16kb' }));
  const ctx = (input: { ipAddress: string; country?: string | undefined }): RequestContext => ({
    ipAddress: input.ipAddress,
    ...(input.country ? { country: input.country } : {}),
  });
  const result = (r: ChallengeResult) => ({
    challenge: r.challenge ? challengeView(r.challenge) : null,
    notes: r.notes,
  });

  // JSON API.
  router.get('/sandbox/api/users', (_req, res) => {
    res.json(
      [...org.users.values()].map((u) => ({
        id: u.id,
        login: u.profile.login,
        status: u.status,
        groups: org.groupsOf(u.id).map((g) => g.profile.name),
        phone: u.phone ? { phoneMasked: maskPhone(u.phone.phoneNumber), method: u.phone.method } : null,
      })),
    );
  });
  router.post('/sandbox/api/enroll', async (req, res) => {
    const input = parseBody(EnrollInput, req.body, 'enroll');
    res.json(result(await signIn.enroll(input.login, input.phoneNumber, input.channel, ctx(input))));
  });
  router.post('/sandbox/api/sign-in', async (req, res) => {
    const input = parseBody(SignInInput, req.body, 'sign-in');
    res.json(result(await signIn.signIn(input.login, ctx(input))));
  });
  router.post('/sandbox/api/recover', async (req, res) => {
    const input = parseBody(RecoverInput, req.body, 'recover');
    res.json(result(await signIn.recover(input.login, input.flow, input.channel)));
  });
  router.get('/sandbox/api/challenges/:id', (req, res) => {
    res.json(challengeView(signIn.get(req.params.id)));
  });
  router.post('/sandbox/api/challenges/:id/resend', async (req, res) => {
    const input = parseBody(ResendInput, req.body, 'resend');
    res.json(challengeView(await signIn.resend(req.params.id, input.channel)));
  });
  router.post('/sandbox/api/challenges/:id/verify', (req, res) => {
    const input = parseBody(VerifyInput, req.body, 'verify');
    const outcome = signIn.verify(req.params.id, input.code);
    res.status(outcome.verified ? 200 : 403).json({
      verified: outcome.verified,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      challenge: challengeView(outcome.challenge),
    });
  });
  router.get('/sandbox/api/hook-calls', (_req, res) => {
    res.json(options.hookCalls());
  });
  /** Codes Okta sent itself: what a double delivery looks like from the person's side. */
  router.get('/sandbox/api/okta-deliveries', (_req, res) => {
    res.json(signIn.oktaDeliveries);
  });

  router.get('/sim/faults', (_req, res) => {
    res.json({ rateLimit: options.rateLimiter.fault, throttled: options.rateLimiter.throttled });
  });
  router.put('/sim/faults', (req, res) => {
    const input = parseBody(FaultInput, req.body, 'faults');
    options.rateLimiter.inject(input.rateLimit ?? null);
    res.json({ rateLimit: options.rateLimiter.fault });
  });
  router.delete('/sim/faults', (_req, res) => {
    options.rateLimiter.inject(null);
    res.status(204).end();
  });

  // The page: each form posts, then redirects back (so a reload never resends a code).
  const back = (res: Response, params: Record<string, string>): void => {
    res.redirect(303, `/sandbox?${new URLSearchParams(params).toString()}`);
  };
  const form =
    (handler: (req: Request) => Promise<Challenge | null | string>) =>
    async (req: Request, res: Response) => {
      try {
        const outcome = await handler(req);
        back(
          res,
          typeof outcome === 'string' ? { notice: outcome } : outcome ? { challenge: outcome.id } : {},
        );
      } catch (error) {
        if (error instanceof OktaApiError) {
          back(res, { error: [error.message, ...error.causes.map((c) => c.errorSummary)].join(' — ') });
          return;
        }
        throw error;
      }
    };
  router.post(
    '/sandbox/enroll',
    form(async (req) => {
      const input = parseBody(EnrollInput, req.body, 'enroll');
      return (await signIn.enroll(input.login, input.phoneNumber, input.channel, ctx(input))).challenge;
    }),
  );
  router.post(
    '/sandbox/sign-in',
    form(async (req) => {
      const input = parseBody(SignInInput, req.body, 'sign-in');
      const outcome = await signIn.signIn(input.login, ctx(input));
      return outcome.challenge ?? `${input.login} signed in: ${outcome.notes.join('; ')}`;
    }),
  );
  router.post(
    '/sandbox/recover',
    form(async (req) => {
      const input = parseBody(RecoverInput, req.body, 'recover');
      return (await signIn.recover(input.login, input.flow, input.channel)).challenge;
    }),
  );
  router.post(
    '/sandbox/challenges/:id/resend',
    form(async (req) =>
      signIn.resend(String(req.params.id), parseBody(ResendInput, req.body, 'resend').channel),
    ),
  );
  router.post(
    '/sandbox/challenges/:id/verify',
    form(async (req) => {
      const outcome = signIn.verify(String(req.params.id), parseBody(VerifyInput, req.body, 'verify').code);
      if (!outcome.verified) throw validationFailed('code', `Refused: ${outcome.reason}`);
      return `Verified: ${outcome.challenge.login}'s ${outcome.challenge.flow} is complete.`;
    }),
  );
  router.get('/sandbox', (req, res) => {
    res
      .status(200)
      .set(PAGE_HEADERS)
      .send(renderPage(options, req.query as Record<string, unknown>));
  });
  router.get('/', (_req, res) => {
    res.redirect(302, '/sandbox');
  });
  router.use('/sandbox', oktaErrorHandler);
  router.use('/sim', oktaErrorHandler);
  return router;
}

function renderPage(options: SandboxOptions, query: Record<string, unknown>): string {
  const { org, signIn } = options;
  const e = escapeHtml;
  const notice = typeof query.notice === 'string' ? `<p class="ok box">${e(query.notice)}</p>` : '';
  const error = typeof query.error === 'string' ? `<p class="bad box">${e(query.error)}</p>` : '';
  const focus = typeof query.challenge === 'string' ? query.challenge : undefined;
  const users = [...org.users.values()]
    .filter((u) => u.status === 'ACTIVE')
    .map((u) => {
      const login = e(u.profile.login);
      const groups = org
        .groupsOf(u.id)
        .filter((g) => g.type !== 'BUILT_IN')
        .map((g) => e(g.profile.name))
        .join(', ');
      const phone = u.phone
        ? `${e(maskPhone(u.phone.phoneNumber))} (${u.phone.method})`
        : '<span class="muted">none</span>';
      return `<tr><td><code>${login}</code><br><span class="muted">${groups || 'no groups'}</span></td><td>${phone}</td>
<td><form method="post" action="/sandbox/enroll"><input type="hidden" name="login" value="${login}"><input name="phoneNumber" placeholder="+14155550123" size="14" required>
<select name="channel"><option value="sms">SMS</option><option value="voice">voice</option></select>
<input name="country" placeholder="US" size="2" title="country the sign-in comes from (network zones)"><button>Enroll phone</button></form></td>
<td><form class="inline" method="post" action="/sandbox/sign-in"><input type="hidden" name="login" value="${login}"><button>Sign in</button></form>
<form class="inline" method="post" action="/sandbox/recover"><input type="hidden" name="login" value="${login}"><input type="hidden" name="flow" value="unlock"><button>Unlock</button></form>
<form class="inline" method="post" action="/sandbox/recover"><input type="hidden" name="login" value="${login}"><input type="hidden" name="flow" value="password-reset"><button>Reset password</button></form></td></tr>`;
    })
    .join('');
  const challenges = [...signIn.challenges.values()]
    .reverse()
    .slice(0, 20)
    .map((c) => {
      const view = signIn.get(c.id);
      const sender =
        view.sender.by === 'hook'
          ? `hook "${e(view.sender.hookName)}"`
          : view.sender.by === 'custom-provider'
            ? `Okta's custom telephony provider ${e(view.sender.provider)}`
            : `<span class="bad">Okta's own provider</span> (${e(view.sender.reason)})`;
      const call = view.hookCall
        ? `${e(view.hookCall.auth)}${view.hookCall.token ? `, token ${view.hookCall.token.durationMs} ms` : ''}, HTTP ${view.hookCall.httpStatus ?? '—'} in ${view.hookCall.durationMs} ms`
        : '';
      const actions =
        view.state === 'waiting'
          ? `<form class="inline" method="post" action="/sandbox/challenges/${e(view.id)}/verify"><input name="code" inputmode="numeric" autocomplete="one-time-code" size="8" placeholder="code" required><button>Verify</button></form>
<form class="inline" method="post" action="/sandbox/challenges/${e(view.id)}/resend"><button>Resend</button></form>`
          : '';
      return `<tr${view.id === focus ? ' style="background:#fff8d6"' : ''}><td>${e(view.login)}<br><span class="muted">${e(view.flow)} · ${e(view.channel)} · ${e(maskPhone(view.phoneNumber))}</span></td>
<td>${sender}<br><span class="muted">${call}</span></td><td class="${view.state === 'verified' ? 'ok' : view.state === 'waiting' ? '' : 'bad'}">${e(view.state)}${view.attempts ? ` (${view.attempts} wrong)` : ''}</td><td>${actions}</td></tr>`;
    })
    .join('');
  const calls = options
    .hookCalls()
    .slice(0, 20)
    .map(
      (c) =>
        `<tr><td>${e(c.startedAt.slice(11, 19))}</td><td>${e(c.via)}</td><td>${e(c.hookName)}</td><td>${e(c.auth)}${c.token ? `<br><span class="muted">token ${c.token.status ?? '—'} in ${c.token.durationMs} ms</span>` : ''}</td><td>${c.httpStatus ?? '—'} in ${c.durationMs} ms</td><td class="${c.reading.kind === 'taken' ? 'ok' : 'bad'}">${e(c.reading.kind === 'taken' ? `${c.reading.status}${c.reading.provider ? ` by ${c.reading.provider}` : ''}` : `fallback: ${c.reading.detail}`)}</td></tr>`,
    )
    .join('');
  const own = signIn.oktaDeliveries
    .slice(0, 20)
    .map(
      (d) =>
        `<tr><td>${e(d.at.slice(11, 19))}</td><td>${e(d.phoneMasked)} (${e(d.channel)})</td><td>${e(d.message)}</td><td>${e(d.sender.by === 'okta' ? d.sender.reason : `custom provider ${d.sender.by === 'custom-provider' ? d.sender.provider : ''}`)}</td></tr>`,
    )
    .join('');
  const inbox = options.inboxUrl
    ? `Codes sent through the hook land in the provider simulator's <a href="${e(options.inboxUrl)}">inbox</a>.`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Okta simulator — sandbox sign-in</title><style>${PAGE_STYLE}</style></head><body>
<h1>Okta simulator — sign in as a user</h1>
<p>Plays Okta at sign-in: each code goes to the org's active telephony inline hook, called as Okta calls it (3 s). ${inbox}</p>
${notice}${error}
<h2>Users</h2><table><tr><th>User</th><th>Phone</th><th>Enroll</th><th>Sign in / recover</th></tr>${users}</table>
<h2>Codes</h2><table><tr><th>Who</th><th>Sent by</th><th>State</th><th></th></tr>${challenges || '<tr><td colspan="4" class="muted">none yet</td></tr>'}</table>
<h2>Hook calls</h2><table><tr><th>Time</th><th>Via</th><th>Hook</th><th>Auth</th><th>Answer</th><th>Okta's reading</th></tr>${calls || '<tr><td colspan="6" class="muted">none yet</td></tr>'}</table>
<h2>Sent by Okta itself</h2><p class="muted">Okta's own providers (after a fallback) or a native custom telephony provider. A code here that also reached the inbox was delivered twice.</p>
<table><tr><th>Time</th><th>To</th><th>Message</th><th>Why</th></tr>${own || '<tr><td colspan="4" class="muted">none</td></tr>'}</table>
</body></html>`;
}
