import { html, type Renderable, type SafeHtml } from './html.ts';
import { describeRole, type Principal } from './principal.ts';

/** One entry of the console's navigation: a page a principal may open. */
export interface NavItem {
  id: string;
  label: string;
  href: string;
}

export interface PageFrame {
  title: string;
  /** Which nav entry is current. */
  active?: string;
  /** Signed-in pages: who, what they may open, and the CSRF token for the sign-out form. */
  session?: { principal: Principal; csrf: string; nav: NavItem[] };
  body: Renderable;
}

export const ASSETS_PATH = '/console/assets';

/** The whole document. The stylesheet and script are the package's own files (CSP: 'self' only). */
export function page(frame: PageFrame): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · byot console</title>
<link rel="stylesheet" href="${ASSETS_PATH}/console.css">
<link rel="icon" href="${ASSETS_PATH}/favicon.svg" type="image/svg+xml">
<script src="${ASSETS_PATH}/console.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/console">byot <span>support console</span></a>
  ${frame.session ? navigation(frame.session.nav, frame.active) : ''}
  ${frame.session ? whoAmI(frame.session.principal, frame.session.csrf) : ''}
</header>
<main id="main">
${frame.body}
</main>
</body>
</html>`;
}

function navigation(items: NavItem[], active: string | undefined): SafeHtml {
  return html`<nav aria-label="Console">${items.map(
    (item) =>
      html`<a href="${item.href}"${item.id === active ? html` aria-current="page"` : ''}>${item.label}</a>`,
  )}</nav>`;
}

function whoAmI(principal: Principal, csrf: string): SafeHtml {
  return html`<div class="who">
    <span class="who-name">${principal.name}</span>
    <span class="who-role role-${principal.role}">${describeRole(principal)}</span>
    <form method="post" action="/console/sign-out">
      <input type="hidden" name="_csrf" value="${csrf}">
      <button type="submit" class="link">Sign out</button>
    </form>
  </div>`;
}

/** A short status line above a page's content ("3 routes · updated 10:42:07"). */
export function notice(kind: 'info' | 'error' | 'ok', text: Renderable): SafeHtml {
  return html`<p class="notice notice-${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});
const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});

/** Times are shown in UTC, labelled, with the ISO form in a <time> for copy-paste into a ticket. */
export function timeOf(ms: number, withDate = false): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}" title="${iso}">${(withDate ? DATE_TIME : TIME).format(ms)}</time>`;
}

/** "850 ms", "1.2 s", "2 min 5 s". */
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}
