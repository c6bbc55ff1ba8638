import type { Logger } from '@byot/observability';
import type { ConsoleFeature } from '../console-app.ts';
import { html, type SafeHtml } from '../html.ts';
import { notice, timeOf } from '../layout.ts';
import { canSeeTenant } from '../principal.ts';

/**
 * The blocks page (the fraud controls, issue 14): the active holds and the limited numbers and prefixes, masked
 * as the fraud controls label them, with a "lift" action for MSP operators. The fraud package owns what a block
 * is; this page reads and lifts through BlocksSource (features/fraud-blocks.ts adapts @byot/fraud to it).
 */
export interface BlockRow {
  /** `<tenant>.hold.<scope>.<subject>` or `<tenant>.limit.<rule>.<subject>`: opaque, never a number. */
  id: string;
  tenantId: string;
  kind: 'hold' | 'limit';
  rule: string;
  /** Masked: "+1•••••••12", a prefix as its 1 000-block, a user by Okta id. */
  label: string;
  /** Holds: since when, until when, the volume that started it against its baseline. */
  since?: string;
  until?: string;
  volume?: number;
  baseline?: number;
  /** Limits: the limit in force ("5/15m") and the codes counted in its window now. */
  limit?: string;
  inWindow?: number;
  /** Codes refused by it (holds: so far; limits: this hour and the last). */
  refused: number;
}

export interface BlocksSource {
  list(tenants: string[]): Promise<BlockRow[]>;
  /** False when there was nothing left to lift (the hold ended, the window emptied). */
  lift(id: string): Promise<boolean>;
}

const BLOCK_TENANT = /^([a-z0-9][a-z0-9-]{0,39})\.(hold|limit)\./;

const MESSAGES = {
  lifted: { kind: 'ok', text: 'Lifted. Codes to it go out again.' },
  gone: { kind: 'info', text: 'Nothing left to lift: the block had already ended.' },
} as const;

export function blocksFeature(
  source: BlocksSource,
  log: Logger,
  now: () => number = Date.now,
): ConsoleFeature {
  return {
    nav: { id: 'blocks', label: 'Blocks', href: '/console/blocks' },
    visible: () => true,
    routes(router, helpers) {
      router.get('/console/blocks', async (req, res) => {
        const { principal, tenants, session } = helpers.context(res);
        const rows = await source.list(tenants);
        const message =
          req.query.m === 'lifted' || req.query.m === 'gone' ? MESSAGES[req.query.m] : undefined;
        helpers.render(res, {
          title: 'Blocks',
          active: 'blocks',
          body: blocksBody({
            rows,
            now: now(),
            showTenant: tenants.length > 1,
            csrf: principal.role === 'operator' ? session.csrf : undefined,
            message,
          }),
        });
      });

      router.post('/console/blocks/lift', helpers.requireOperator, async (req, res) => {
        const { principal } = helpers.context(res);
        const id = typeof req.body?.id === 'string' ? req.body.id : '';
        const tenant = BLOCK_TENANT.exec(id)?.[1];
        if (!tenant || !canSeeTenant(principal, tenant)) {
          return void helpers.render(
            res,
            {
              title: 'Blocks',
              active: 'blocks',
              body: notice('error', 'That is not a block this console can lift.'),
            },
            400,
          );
        }
        const lifted = await source.lift(id);
        if (lifted)
          log.warn(
            { blockId: id, tenant, by: principal.name, via: principal.via },
            'block lifted from the console',
          );
        res.redirect(303, `/console/blocks?m=${lifted ? 'lifted' : 'gone'}`);
      });
    },
  };
}

interface BlocksView {
  rows: BlockRow[];
  now: number;
  showTenant: boolean;
  /** Present for operators only: the lift forms' CSRF token. Absent: the page only reads. */
  csrf: string | undefined;
  message?: { kind: 'ok' | 'info'; text: string } | undefined;
}

export function blocksBody(view: BlocksView): SafeHtml {
  const holds = view.rows.filter((r) => r.kind === 'hold');
  const limits = view.rows.filter((r) => r.kind === 'limit');
  const tenantCell = (r: BlockRow) => (view.showTenant ? html`<td>${r.tenantId}</td>` : '');
  const tenantHead = view.showTenant ? html`<th>Tenant</th>` : '';
  const action = (r: BlockRow, verb: string) =>
    view.csrf
      ? html`<td><form method="post" action="/console/blocks/lift" data-confirm="${verb} the block on ${r.label}?">
          <input type="hidden" name="_csrf" value="${view.csrf}"><input type="hidden" name="id" value="${r.id}">
          <button type="submit" class="danger">${verb}</button></form></td>`
      : '';
  const actionHead = view.csrf ? html`<th></th>` : '';
  return html`<h1>Blocks</h1>
<p class="lead">What the fraud controls are refusing now: holds an anomaly started (a burst to one country or prefix),
and the numbers, prefixes and users that hit a limit lately. Numbers are masked. Lifting lets codes through again
at once.${view.csrf ? '' : ' Only an MSP operator can lift a block.'}</p>
${view.message ? notice(view.message.kind, view.message.text) : ''}
<div id="live" data-refresh="15">
  <div class="toolbar"><span>Updated ${timeOf(view.now)} UTC · refreshes every 15 s</span>
    <button type="button" data-refresh-toggle>Pause auto-refresh</button></div>
  <h2>Active holds</h2>
  <table class="grid blocks" data-kind="hold">
    <thead><tr>${tenantHead}<th>Held</th><th>Rule</th><th>Since</th><th>Until</th><th class="num">Volume / baseline</th><th class="num">Refused</th>${actionHead}</tr></thead>
    <tbody>${
      holds.length === 0
        ? html`<tr><td class="empty" colspan="8">No hold is active.</td></tr>`
        : holds.map(
            (
              r,
            ) => html`<tr data-block-id="${r.id}">${tenantCell(r)}<td class="mono">${r.label}</td><td>${r.rule}</td>
              <td>${r.since ? timeOf(Date.parse(r.since)) : '–'}</td><td>${r.until ? timeOf(Date.parse(r.until)) : '–'}</td>
              <td class="num">${r.volume ?? '–'} / ${r.baseline ?? '–'}</td><td class="num">${r.refused}</td>${action(r, 'Lift')}</tr>`,
          )
    }</tbody>
  </table>
  <h2>Limited numbers, prefixes and users</h2>
  <table class="grid blocks" data-kind="limit">
    <thead><tr>${tenantHead}<th>Limited</th><th>Rule</th><th>Limit</th><th class="num">In window now</th><th class="num">Refused (2 h)</th>${actionHead}</tr></thead>
    <tbody>${
      limits.length === 0
        ? html`<tr><td class="empty" colspan="7">Nothing was refused by a limit in the last two hours.</td></tr>`
        : limits.map(
            (
              r,
            ) => html`<tr data-block-id="${r.id}">${tenantCell(r)}<td class="mono">${r.label}</td><td>${r.rule}</td>
              <td>${r.limit ?? '–'}</td><td class="num">${r.inWindow ?? '–'}</td><td class="num">${r.refused}</td>${action(r, 'Lift')}</tr>`,
          )
    }</tbody>
  </table>
</div>`;
}
