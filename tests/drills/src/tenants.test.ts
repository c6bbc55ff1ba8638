import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeContext, judgeTenants } from './tenants.ts';
import { BASE_THRESHOLDS } from './thresholds.ts';
import type { HookRecord, ProviderDelivery } from './types.ts';

const T0 = 1_000_000;
const timeline = {
  startedAt: T0,
  faultAt: T0 + 10_000,
  clearAt: T0 + 20_000,
  loadEndAt: T0 + 30_000,
  judgedAt: T0 + 40_000,
};

let n = 0;
function hook(tenant: string, phase: HookRecord['phase'] = 'baseline'): HookRecord {
  n++;
  const sentAt = T0 + (phase === 'baseline' ? 1_000 : 11_000) + n;
  return {
    eventId: `evt${n}`,
    tenant,
    channel: 'sms',
    phone: `+1415300${String(n).padStart(4, '0')}`,
    otp: '654321',
    phase,
    sentAt,
    expiresAt: sentAt + 300_000,
    doneAt: sentAt + 100,
    latencyMs: 100,
    httpStatus: 200,
    answer: 'SUCCESSFUL',
  };
}

function delivered(h: HookRecord, provider: string, afterMs: number): ProviderDelivery {
  return {
    provider,
    channel: 'sms',
    to: h.phone.replace('+', provider === 'vonage' ? '' : '+'),
    text: `Your code is ${h.otp}`,
    receivedAt: h.sentAt + afterMs,
    status: 'delivered',
    sid: `S${h.eventId}`,
  };
}

describe('drills judged per tenant', () => {
  it("splits hooks and deliveries by tenant: one tenant's lost code fails that tenant, not the other", () => {
    const acme = [hook('acme'), hook('acme', 'fault'), hook('acme', 'fault')];
    const globex = [hook('globex'), hook('globex', 'fault')];
    // acme's second fault code never arrives; its others go through Vonage (digits only, as Vonage reports them).
    const deliveries = [
      delivered(acme[0] as HookRecord, 'twilio', 80),
      delivered(acme[1] as HookRecord, 'vonage', 300),
      ...globex.map((h) => delivered(h, 'twilio', 90)),
    ];
    const context = judgeContext(
      {
        hooks: [...acme, ...globex],
        deliveries,
        ledger: new Map(),
        timeline,
        primary: 'twilio',
        reroute: 'backup',
      },
      ['acme', 'globex'],
    );
    const verdicts = judgeTenants(context, () => BASE_THRESHOLDS);
    const byId = new Map(verdicts.map((v) => [v.id, v]));
    assert.equal(byId.get('acme')?.metrics.hooks, 3);
    assert.equal(byId.get('acme')?.metrics.lost, 1);
    assert.equal(byId.get('acme')?.pass, false);
    assert.deepEqual(byId.get('acme')?.metrics.byProvider, { twilio: 1, vonage: 1 });
    assert.equal(byId.get('globex')?.metrics.lost, 0);
    assert.equal(byId.get('globex')?.pass, true);
    // A drill's own checks read any subset: globex's fault-phase codes, by provider.
    assert.deepEqual(context.metricsOf((h) => h.tenant === 'globex' && h.phase === 'fault').byProvider, {
      twilio: 1,
    });
    assert.equal(context.metricsOf((h) => h.tenant === 'acme' && h.phase === 'baseline').deliveryP99Ms, 80);
  });
});
