import { html, queryString, type SafeHtml } from '../html.ts';
import { notice, page } from '../layout.ts';

/** Why the sign-in page is shown: a fixed list, so nothing from the request is ever echoed into it. */
export const SIGN_IN_MESSAGES = {
  'signed-out': { kind: 'ok', text: 'You are signed out.' },
  expired: { kind: 'info', text: 'Your session ended. Sign in again.' },
  'wrong-token': { kind: 'error', text: 'That token is not valid here.' },
  throttled: {
    kind: 'error',
    text: 'Too many wrong tokens from your address. Wait a few minutes, then try again.',
  },
  'cross-site': {
    kind: 'error',
    text: 'The sign-in came from another site and was refused. Try again from this page.',
  },
  'oidc-expired': {
    kind: 'error',
    text: 'The sign-in with Okta took too long or was started elsewhere. Try again.',
  },
  'oidc-refused': { kind: 'error', text: 'Okta did not sign you in.' },
  'oidc-no-role': {
    kind: 'error',
    text: 'You are signed in at Okta, but none of your groups gives access to this console. Ask your administrator.',
  },
  'oidc-error': { kind: 'error', text: 'Signing in with Okta failed. Try again, or use the admin token.' },
  unavailable: {
    kind: 'error',
    text: 'The console cannot reach its session store (Redis) right now. Try again shortly.',
  },
} as const;
export type SignInMessage = keyof typeof SIGN_IN_MESSAGES;

export function isSignInMessage(value: unknown): value is SignInMessage {
  return typeof value === 'string' && Object.hasOwn(SIGN_IN_MESSAGES, value);
}

export interface SignInView {
  message?: SignInMessage | undefined;
  /** Where to go after signing in (already checked to be a console path). */
  next?: string | undefined;
  /** "Sign in with Okta" is configured. */
  oidc: boolean;
  /** The fixed admin-token sign-in is possible (ADMIN_TOKEN or a tenant's adminToken exists). */
  token: boolean;
  /** The operator group and viewer group prefix, to say which groups give access. */
  groups?: { operator: string; viewerPrefix: string } | undefined;
}

export function signInPage(view: SignInView): SafeHtml {
  const message = view.message ? SIGN_IN_MESSAGES[view.message] : undefined;
  const groupsHint =
    view.message === 'oidc-no-role' && view.groups
      ? html`<p class="hint">Operators are members of <code>${view.groups.operator}</code>; a tenant's viewers of
          <code>${view.groups.viewerPrefix}&lt;tenant&gt;</code>.</p>`
      : '';
  return page({
    title: 'Sign in',
    body: html`<section class="sign-in">
  <h1>Sign in to the support console</h1>
  <p class="lead">Find a person's code, see what became of it, watch the providers.</p>
  ${message ? notice(message.kind, message.text) : ''}
  ${groupsHint}
  ${
    view.oidc
      ? html`<a class="button primary" id="sign-in-okta" href="/console/oidc/start${queryString({ next: view.next })}">Sign in with Okta</a>`
      : ''
  }
  ${view.oidc && view.token ? html`<p class="or">or</p>` : ''}
  ${
    view.token
      ? html`<form method="post" action="/console/session" autocomplete="off">
    ${view.next ? html`<input type="hidden" name="next" value="${view.next}">` : ''}
    <label for="token">Admin token</label>
    <input type="password" id="token" name="token" required minlength="1" maxlength="512" autocomplete="off" spellcheck="false">
    <button type="submit" class="${view.oidc ? '' : 'primary'}">Sign in with the token</button>
  </form>
  <p class="hint">The MSP's <code>ADMIN_TOKEN</code> signs in as an operator (every tenant); a tenant's own admin token
  as that tenant's viewer (read-only).</p>`
      : ''
  }
  ${!view.oidc && !view.token ? notice('error', 'No sign-in is configured.') : ''}
</section>`,
  });
}
