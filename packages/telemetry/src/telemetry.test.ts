import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByotMetrics } from './metrics.ts';
import { cleanAttribute, withoutQuery } from './redaction.ts';
import { samplerFromEnv } from './settings.ts';

describe('span redaction', () => {
  it('drops query strings, keeps command names only and masks numbers', () => {
    assert.equal(withoutQuery('https://api.example/v1/x?api_secret=abc#f'), 'https://api.example/v1/x');
    assert.equal(cleanAttribute('url.full', 'http://h/a/b?To=%2B14155550123'), 'http://h/a/b');
    assert.equal(cleanAttribute('url.query', 'sig=abc'), '[redacted]');
    assert.equal(cleanAttribute('db.query.text', 'set byot:evt:1 sealed-bytes'), 'set');
    assert.equal(cleanAttribute('custom', 'to +1 415 555 0123'), 'to [number …23]');
    assert.equal(cleanAttribute('server.port', 8080), 8080);
  });
});

describe('sampler from OTEL_TRACES_SAMPLER', () => {
  it('defaults to parent-based always-on and refuses unknown names and bad ratios', () => {
    assert.match(samplerFromEnv({}).toString(), /ParentBased/);
    assert.match(
      samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString(),
      /TraceIdRatioBased\{0.25\}/,
    );
    assert.throws(
      () => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' }),
      /OTEL_TRACES_SAMPLER: must be one of/,
    );
    assert.throws(
      () => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }),
      /OTEL_TRACES_SAMPLER_ARG/,
    );
  });
});

describe('metrics', () => {
  it('exposes the agreed series names and labels, with failovers labelled by the provider they left', async () => {
    const metrics = new ByotMetrics({ service: 'test' });
    metrics.hookAnswered('successful', 'mfa', 0.12);
    await metrics.trackJob(async () => {
      metrics.deliveryEvents.attempt({
        provider: 'twilio',
        channel: 'sms',
        outcome: 'unavailable',
        durationMs: 30,
        failover: false,
      });
      metrics.deliveryEvents.attempt({
        provider: 'vonage',
        channel: 'sms',
        outcome: 'accepted',
        durationMs: 40,
        failover: true,
      });
    });
    metrics.deliveryEvents.breaker({ provider: 'twilio', channel: 'sms', to: 'open' });
    metrics.deliveryEvents.receipt({
      provider: 'vonage',
      channel: 'sms',
      status: 'delivered',
      applied: true,
    });
    metrics.deliveryEvents.delivered({ provider: 'vonage', channel: 'sms', latencyMs: 4200 });
    metrics.deliveryEvents.receiptFailover({ channel: 'sms', fromProvider: 'vonage', cause: 'no-receipt' });
    metrics.deliveryEvents.expiredUndelivered({ channel: 'voice' });
    metrics.blocked('per-number', 'default');
    metrics.blocked('per-number', 'default');
    metrics.holdStarted('country', 'acme');
    metrics.observeQueues(
      [{ name: 'sms-send', getJobCounts: async () => ({ waiting: 3, active: 1 }) }],
      60_000,
    );
    await new Promise((resolve) => setImmediate(resolve));

    const text = await metrics.render();
    await metrics.shutdown();
    for (const line of [
      'byot_hook_answers_total{answer="successful",request_type="mfa"} 1',
      'byot_hook_answer_duration_seconds_bucket{answer="successful",request_type="mfa",le="0.25"} 1',
      'byot_hook_answer_duration_seconds_bucket{answer="successful",request_type="mfa",le="3"} 1',
      'byot_provider_sends_total{provider="twilio",channel="sms",outcome="unavailable"} 1',
      'byot_provider_send_duration_seconds_count{provider="vonage",channel="sms",outcome="accepted"} 1',
      'byot_failovers_total{channel="sms",from_provider="twilio",cause="unavailable"} 1',
      'byot_failovers_total{channel="sms",from_provider="vonage",cause="no-receipt"} 1',
      'byot_breaker_state{provider="twilio",channel="sms"} 2',
      'byot_receipts_total{provider="vonage",channel="sms",status="delivered"} 1',
      'byot_delivery_latency_seconds_bucket{provider="vonage",channel="sms",le="5"} 1',
      'byot_otp_expired_undelivered_total{channel="voice"} 1',
      'byot_blocked_total{rule="per-number",tenant="default"} 2',
      'byot_fraud_holds_total{scope="country",tenant="acme"} 1',
      'byot_queue_jobs{queue="sms-send",state="waiting"} 3',
      'byot_queue_jobs{queue="sms-send",state="active"} 1',
      'byot_queue_jobs{queue="sms-send",state="delayed"} 0',
    ]) {
      assert.ok(text.includes(line), `missing ${line}\n${text}`);
    }
    assert.match(text, /^process_resident_memory_bytes \d+/m);
  });

  it("labels breakers by account and, with a tenants file, the workers' delivery series by tenant", async () => {
    const metrics = new ByotMetrics({ service: 'test', processMetrics: false });
    metrics.labelByTenant();
    await metrics.trackJob(async () => {
      const base = { channel: 'sms', durationMs: 30, tenant: 'acme' };
      metrics.deliveryEvents.attempt({
        ...base,
        provider: 'twilio',
        outcome: 'unavailable',
        failover: false,
      });
      metrics.deliveryEvents.attempt({ ...base, provider: 'vonage', outcome: 'accepted', failover: true });
    });
    // acme's own Twilio account (a credential-set digest), and the default tenant's breaker without one.
    metrics.deliveryEvents.breaker({
      provider: 'twilio',
      channel: 'sms',
      to: 'open',
      credentialSet: '0a1b2c3d4e5f',
    });
    metrics.deliveryEvents.breaker({ provider: 'twilio', channel: 'sms', to: 'closed' });
    metrics.observeBreakers(async () => [
      { provider: 'vonage', channel: 'sms', state: 'half-open', credentialSet: 'ffeeddccbbaa' },
    ]);
    metrics.deliveryEvents.receipt({
      provider: 'vonage',
      channel: 'sms',
      status: 'delivered',
      applied: true,
      tenant: 'acme',
    });
    metrics.deliveryEvents.delivered({ provider: 'vonage', channel: 'sms', latencyMs: 900, tenant: 'acme' });
    metrics.deliveryEvents.expiredUndelivered({ channel: 'sms', tenant: 'globex' });
    const text = await metrics.render();
    await metrics.shutdown();
    for (const line of [
      'byot_provider_sends_total{provider="twilio",channel="sms",outcome="unavailable",tenant="acme"} 1',
      'byot_failovers_total{channel="sms",from_provider="twilio",cause="unavailable",tenant="acme"} 1',
      'byot_breaker_state{provider="twilio",channel="sms",account="0a1b2c3d4e5f"} 2',
      'byot_breaker_state{provider="twilio",channel="sms"} 0',
      'byot_breaker_state{provider="vonage",channel="sms",account="ffeeddccbbaa"} 1',
      'byot_receipts_total{provider="vonage",channel="sms",status="delivered",tenant="acme"} 1',
      'byot_delivery_latency_seconds_count{provider="vonage",channel="sms",tenant="acme"} 1',
      'byot_otp_expired_undelivered_total{channel="sms",tenant="globex"} 1',
    ]) {
      assert.ok(text.includes(line), `missing ${line}\n${text}`);
    }
  });

  it('leaves the tenant off without a tenants file (single-org series unchanged)', async () => {
    const metrics = new ByotMetrics({ service: 'test', processMetrics: false });
    metrics.deliveryEvents.expiredUndelivered({ channel: 'sms', tenant: 'default' });
    const text = await metrics.render();
    await metrics.shutdown();
    assert.ok(text.includes('byot_otp_expired_undelivered_total{channel="sms"} 1'), text);
    assert.doesNotMatch(text, /tenant=/);
  });
});
