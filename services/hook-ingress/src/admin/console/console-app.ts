import { fileURLToPath } from 'node:url';
import type { Logger } from '@byot/observability';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { FailureThrottle } from '../../auth/failure-throttle.ts';
import type { DeliverySource } from './deliveries/model.ts';
import { deliveriesRoutes } from './deliveries/routes.ts';
import type { CodeMeaning } from './deliveries/story.ts';
import { html, queryString } from './html.ts';
import {
  COOKIE,
  type CookiePolicy,
  clearCookie,
  isSameOrigin,
  readCookie,
  safeReturnPath,
  setCookie,
} from './http.ts';
import { ASSETS_PATH, type NavItem, notice, type PageFrame, page } from './layout.ts';
import { OIDC_FLOW_TTL_MS, type OidcSignIn } from './oidc.ts';
import { providersBody } from './pages/providers.ts';
import { isSignInMessage, type SignInMessage, signInPage } from './pages/sign-in.ts';
import {
  type ConsoleTenants,
  canAct,
  credentialFingerprint,
  type Principal,
  principalForToken,
  sessionCredentialIsCurrent,
  visibleTenants,
} from './principal.ts';
import type { ProviderHealthSource } from './provider-health.ts';
import { consoleHeaders, csrfMatches } from './security.ts';
import type { Session, SessionStore } from './sessions.ts';

export const CONSOLE_PATH = '/console';
const SIGN_IN_PATH = '/console/sign-in';

/** A signed-in request: who, their session and what they may see. */
export interface ConsoleRequestContext {
  principal: Principal;
  session: Session;
  /** The tenants this principal may see (all for an operator). */
  tenants: string[];
}

/** What a feature page (blocks, usage, …) gets to render inside the console's frame. */
export interface ConsoleHelpers {
  context(res: Response): ConsoleRequestContext;
  render(res: Response, frame: Omit<PageFrame, 'session'>, status?: number): void;
  /** Refuses (403) anyone who may not act — tenant viewers. Use on every action route. */
  requireOperator: express.RequestHandler;
}

/**
 * A page added to the console by another feature: the blocks page (fraud controls, issue 14) and the usage page
 * (tenancy, issue 13) plug in here, behind the same sign-in, CSRF check and role checks.
 */
export interface ConsoleFeature {
  nav: NavItem;
  /** Whether this principal sees the page in the navigation (and may open it). */
  visible(principal: Principal): boolean;
  /** Adds the feature's routes (paths under /console) to the signed-in router. */
  routes(router: Router, helpers: ConsoleHelpers): void;
}

export interface ConsoleDeps {
  sessions: SessionStore;
  /** Wrong tokens per client address (the admin API's FailureThrottle); absent: not throttled (unit tests). */
  signInThrottle?: Pick<FailureThrottle, 'check' | 'recordFailure'>;
  /** ADMIN_TOKEN: the token sign-in as an MSP operator. */
  adminToken: string | undefined;
  tenants: ConsoleTenants;
  cookies: CookiePolicy;
  oidc: OidcSignIn | undefined;
  providers: ProviderHealthSource;
  /** The deliveries feed, person search and one delivery's story. */
  deliveries: DeliverySource;
  /** What a provider's error or status code means, for the plain-language lines. */
  describeCode?: CodeMeaning;
  log: Logger;
  features?: ConsoleFeature[];
  now?: () => number;
}

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

/**
 * The support console on the admin port (ADR 0016): sign-in (admin token or OpenID Connect), Redis-backed sessions,
 * CSRF on every POST, a strict CSP, and the pages. Mounted by createAdminApp before anything else on that port.
 */
export function createConsole(deps: ConsoleDeps): Router {
  const now = deps.now ?? Date.now;
  const features = deps.features ?? [];
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });
  const views = consoleViews(deps);
  const helpers = consoleHelpers(features, views);

  router.use(CONSOLE_PATH, ...consoleHeaders());
  router.use(
    ASSETS_PATH,
    express.static(ASSETS_DIR, {
      index: false,
      fallthrough: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=300'),
    }),
  );

  // Every console request: the session, if its cookie names a live one (the idle timer is renewed) opened with a
  // token that still signs in — a rotated ADMIN_TOKEN or tenant adminToken ends the sessions it opened.
  router.use(CONSOLE_PATH, async (req, res, next) => {
    res.locals.startedAt = performance.now();
    const id = readCookie(req, deps.cookies, COOKIE.session);
    res.locals.sessionId = id;
    const session = await deps.sessions.touch(id);
    if (session && !sessionCredentialIsCurrent(session, deps.adminToken, deps.tenants)) {
      await deps.sessions.destroy(id);
      deps.log.info(
        { role: session.principal.role, tenant: tenantOf(session.principal) },
        'console session ended: the token it was opened with no longer signs in',
      );
      res.locals.session = undefined;
    } else res.locals.session = session;
    next();
  });
  signInRoutes(router, deps, views, form);

  // ---- Everything below needs a session. ----
  requireSession(router, deps, views, helpers, form);
  const signedIn = express.Router();
  router.use(signedIn);

  signedIn.post('/console/sign-out', async (_req, res) => {
    const { principal } = helpers.context(res);
    await deps.sessions.destroy(res.locals.sessionId as string | undefined);
    clearCookie(_req, res, deps.cookies, COOKIE.session);
    deps.log.info({ role: principal.role, via: principal.via }, 'console sign-out');
    views.toSignIn(res, 'signed-out');
  });

  deliveriesRoutes(signedIn, helpers, {
    deliveries: deps.deliveries,
    describeCode: deps.describeCode ?? (() => undefined),
    now,
  });

  signedIn.get('/console/providers', async (_req, res) => {
    const { principal, tenants } = helpers.context(res);
    const rows = await deps.providers.read(principal.role === 'operator' ? undefined : tenants);
    helpers.render(res, {
      title: 'Providers',
      active: 'providers',
      body: providersBody({
        rows,
        now: now(),
        showTenant: principal.role === 'operator' && deps.tenants.ids().length > 1,
      }),
    });
  });

  for (const feature of features) feature.routes(signedIn, helpers);

  signedIn.use(CONSOLE_PATH, (_req, res) => {
    helpers.render(
      res,
      { title: 'Not found', body: html`<h1>Not found</h1>${notice('info', 'There is no such page.')}` },
      404,
    );
  });

  router.use(CONSOLE_PATH, consoleFailure(deps.log, views));
  return router;
}

/** The sign-in page and the answers every part of the console sends before a page frame exists. */
interface ConsoleViews {
  signIn(message?: SignInMessage, next?: string): ReturnType<typeof signInPage>;
  send(res: Response, status: number, markup: { value: string }): void;
  toSignIn(res: Response, message?: SignInMessage, next?: string): void;
}

function consoleViews(deps: ConsoleDeps): ConsoleViews {
  return {
    signIn: (message, next) =>
      signInPage({
        message,
        next,
        oidc: deps.oidc !== undefined,
        token: deps.adminToken !== undefined || deps.tenants.hasViewerTokens(),
        ...(deps.oidc
          ? {
              groups: {
                operator: deps.oidc.settings.operatorGroup,
                viewerPrefix: deps.oidc.settings.viewerGroupPrefix,
              },
            }
          : {}),
      }),
    send: (res, status, markup) => void res.status(status).type('html').send(markup.value),
    toSignIn: (res, message, next) =>
      res.redirect(303, `${SIGN_IN_PATH}${queryString({ m: message, next })}`),
  };
}

function consoleHelpers(features: ConsoleFeature[], views: ConsoleViews): ConsoleHelpers {
  const navFor = (principal: Principal): NavItem[] => [
    { id: 'deliveries', label: 'Deliveries', href: '/console' },
    { id: 'providers', label: 'Providers', href: '/console/providers' },
    ...features.filter((f) => f.visible(principal)).map((f) => f.nav),
  ];
  const helpers: ConsoleHelpers = {
    context: (res) => res.locals.console as ConsoleRequestContext,
    render(res, frame, status = 200) {
      const { principal, session } = helpers.context(res);
      const markup = page({ ...frame, session: { principal, csrf: session.csrf, nav: navFor(principal) } });
      // How long the server took for this page (session, Redis reads, rendering): visible in the browser's
      // network panel, and what the 500-row measurement reads. A duration only, nothing about the content.
      const started = res.locals.startedAt as number | undefined;
      if (started !== undefined)
        res.setHeader('Server-Timing', `page;dur=${(performance.now() - started).toFixed(1)}`);
      views.send(res, status, markup);
    },
    requireOperator(_req, res, next) {
      if (canAct(helpers.context(res).principal)) return next();
      helpers.render(
        res,
        { title: 'Not allowed', body: notice('error', 'Only an MSP operator can do this.') },
        403,
      );
    },
  };
  return helpers;
}

/** The sign-in page, the token sign-in and Sign in with Okta (OpenID Connect): the routes open to anyone. */
function signInRoutes(
  router: Router,
  deps: ConsoleDeps,
  views: ConsoleViews,
  form: express.RequestHandler,
): void {
  router.get(SIGN_IN_PATH, (req, res) => {
    if (res.locals.session) return void res.redirect(303, CONSOLE_PATH);
    const message = isSignInMessage(req.query.m) ? req.query.m : undefined;
    views.send(res, 200, views.signIn(message, safeReturnPath(req.query.next)));
  });

  // The token sign-in (fixed path and field: issue 16). Login CSRF: refused when a browser says another site sent it.
  router.post('/console/session', form, async (req, res) => {
    const next = safeReturnPath(req.body?.next);
    if (!isSameOrigin(req, deps.cookies)) {
      deps.log.warn({ origin: req.get('origin') }, 'console sign-in refused: cross-site request');
      return void views.send(res, 403, views.signIn('cross-site', next));
    }
    // Throttled per client address before the token is even looked at: a blocked address learns nothing.
    const source = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const throttle = await deps.signInThrottle?.check(source, undefined);
    if (throttle?.blocked) {
      deps.log.warn({ ip: source }, 'console sign-in refused: too many wrong tokens from this address');
      res.setHeader('Retry-After', String(throttle.retryAfterSeconds));
      return void views.send(res, 429, views.signIn('throttled', next));
    }
    const token = typeof req.body?.token === 'string' ? req.body.token.trim() : '';
    const principal =
      token.length > 0 && token.length <= 512
        ? principalForToken(token, deps.adminToken, deps.tenants)
        : undefined;
    if (!principal) {
      await deps.signInThrottle?.recordFailure(source, undefined);
      deps.log.warn({ ip: source }, 'console sign-in refused: wrong token');
      return void views.send(res, 401, views.signIn('wrong-token', next));
    }
    await startSession(req, res, principal, token);
    res.redirect(303, next ?? CONSOLE_PATH);
  });

  const startSession = async (req: Request, res: Response, principal: Principal, token?: string) => {
    await deps.sessions.destroy(res.locals.sessionId as string | undefined);
    const { id } = await deps.sessions.create(
      principal,
      token === undefined ? undefined : credentialFingerprint(token),
    );
    setCookie(req, res, deps.cookies, COOKIE.session, id, deps.sessions.settings.maxMs);
    deps.log.info(
      {
        role: principal.role,
        tenant: tenantOf(principal),
        via: principal.via,
      },
      'console sign-in',
    );
  };

  router.get('/console/oidc/start', async (req, res) => {
    if (!deps.oidc) return void res.status(404).type('text').send('Sign in with Okta is not configured');
    try {
      const { url, state } = await deps.oidc.start(redirectUri(req), safeReturnPath(req.query.next));
      setCookie(req, res, deps.cookies, COOKIE.oidc, state, OIDC_FLOW_TTL_MS);
      res.redirect(303, url.href);
    } catch (err) {
      deps.log.warn(
        { err, issuer: deps.oidc.settings.issuer.origin },
        'console OIDC sign-in could not start',
      );
      views.toSignIn(res, 'oidc-error');
    }
  });

  router.get('/console/oidc/callback', async (req, res) => {
    if (!deps.oidc) return void res.status(404).type('text').send('Sign in with Okta is not configured');
    const state = readCookie(req, deps.cookies, COOKIE.oidc);
    clearCookie(req, res, deps.cookies, COOKIE.oidc);
    const outcome = await deps.oidc.finish(new URL(req.originalUrl, 'http://callback.invalid'), state);
    if (!outcome.ok) {
      deps.log.warn({ reason: outcome.reason, detail: outcome.detail }, 'console OIDC sign-in refused');
      const message: Record<typeof outcome.reason, SignInMessage> = {
        expired: 'oidc-expired',
        refused: 'oidc-refused',
        'no-role': 'oidc-no-role',
        'provider-error': 'oidc-error',
      };
      return void views.toSignIn(res, message[outcome.reason]);
    }
    await startSession(req, res, outcome.principal);
    res.redirect(303, outcome.returnTo ?? CONSOLE_PATH);
  });

  const redirectUri = (req: Request) =>
    `${deps.cookies.publicUrl?.origin ?? `${req.protocol}://${req.get('host')}`}/console/oidc/callback`;
}

const tenantOf = (principal: Principal) => (principal.role === 'viewer' ? principal.tenant : undefined);

/** The gate before every other console route: a live session, and on state-changing requests the CSRF check. */
function requireSession(
  router: Router,
  deps: ConsoleDeps,
  views: ConsoleViews,
  helpers: ConsoleHelpers,
  form: express.RequestHandler,
): void {
  router.use(CONSOLE_PATH, (req, res, next) => {
    const session = res.locals.session as Session | undefined;
    if (!session) {
      const hadCookie = res.locals.sessionId !== undefined;
      if (req.method === 'GET' || req.method === 'HEAD') {
        return void views.toSignIn(res, hadCookie ? 'expired' : undefined, safeReturnPath(req.originalUrl));
      }
      return void views.send(res, 401, views.signIn(hadCookie ? 'expired' : undefined));
    }
    const context: ConsoleRequestContext = {
      principal: session.principal,
      session,
      tenants: visibleTenants(session.principal, deps.tenants),
    };
    res.locals.console = context;
    next();
  });
  // CSRF: every state-changing request carries the session's token and comes from this origin.
  router.use(CONSOLE_PATH, form, (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const { session } = res.locals.console as ConsoleRequestContext;
    if (!isSameOrigin(req, deps.cookies) || !csrfMatches(session.csrf, req.body?._csrf)) {
      deps.log.warn({ path: req.path }, 'console action refused: CSRF check failed');
      return void helpers.render(
        res,
        {
          title: 'Refused',
          body: notice(
            'error',
            'This form has expired or came from another site. Reload the page and try again.',
          ),
        },
        403,
      );
    }
    next();
  });
}

/** Redis away, a bug: a page that says so, and the details in the log only. */
function consoleFailure(log: Logger, views: ConsoleViews) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A missing asset, a body too large: the client's mistake, said plainly.
      return void res
        .status(status)
        .type('text')
        .send(status === 404 ? 'not found' : 'bad request');
    }
    log.error({ err }, 'console request failed');
    if (res.headersSent) return;
    views.send(
      res,
      503,
      page({
        title: 'Unavailable',
        body: html`<h1>The console is unavailable</h1>${notice('error', 'It cannot read what it needs right now (is Redis reachable?). Try again shortly.')}`,
      }),
    );
  };
}
