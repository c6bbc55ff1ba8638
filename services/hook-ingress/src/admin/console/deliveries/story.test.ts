import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LedgerView } from '@byot/delivery/records';
import type { DeliveryDetail } from './model.ts';
import { type CodeMeaning, storyLine, timeline } from './story.ts';

const t0 = Date.parse('2026-03-02T10:00:00.000Z');
const iso = (ms: number) => new Date(t0 + ms).toISOString();
const meaning: CodeMeaning = (provider, code) =>
  provider === 'twilio' && code === '30003' ? 'the handset unreachable' : undefined;

function ledger(overrides: Partial<LedgerView>): LedgerView {
  return {
    eventId: 'evtStory1',
    deliveryId: 'byot-evtStory1',
    channel: 'sms',
    requestType: 'com.okta.user.telephony.mfa-verification',
    phoneMasked: '+1•••••••43',
    delivery: 'pending',
    state: 'accepted',
    otpExpiresAt: iso(300_000),
    attempts: [],
    ...overrides,
  };
}

const detail = (
  l: LedgerView,
  state: DeliveryDetail['state'],
  extra: Partial<DeliveryDetail> = {},
): DeliveryDetail => ({
  tenant: 'default',
  ledger: l,
  state,
  receivedAt: t0,
  ...extra,
});

describe('a delivery in plain words', () => {
  it('tells a failover after a receipt, as the helpdesk would say it', () => {
    const view = ledger({
      delivery: 'delivered',
      delivered: { at: iso(1_210), provider: 'vonage', channel: 'sms', latencyMs: 1_200 },
      attempts: [
        {
          n: 1,
          provider: 'twilio',
          channel: 'sms',
          result: 'accepted',
          startedAt: iso(10),
          finishedAt: iso(300),
          providerMessageId: 'SM0123',
          status: 'undelivered',
          verdict: 'failed',
          history: [
            {
              status: 'undelivered',
              raw: 'undelivered',
              code: '30003',
              at: iso(700),
              receivedAt: iso(710),
              applied: true,
            },
          ],
        },
        {
          n: 2,
          provider: 'vonage',
          channel: 'sms',
          result: 'accepted',
          startedAt: iso(750),
          finishedAt: iso(900),
          providerMessageId: 'v-1',
          status: 'delivered',
          verdict: 'delivered',
          history: [
            { status: 'delivered', raw: 'delivered', at: iso(1_200), receivedAt: iso(1_210), applied: true },
          ],
        },
      ],
    });
    const story = detail(view, 'delivered', {
      answer: { status: 'SUCCESSFUL', at: t0 + 320, provider: 'TWILIO' },
    });
    assert.equal(
      storyLine(story, meaning, t0 + 2_000),
      'Delivered by Vonage 1.2 s after Okta asked, after Twilio reported the handset unreachable.',
    );
    const steps = timeline(story, meaning, t0 + 2_000).map((e) => e.text);
    assert.deepEqual(steps, [
      'Okta asked for a code by SMS (sign-in (MFA)) to +1•••••••43',
      'Twilio accepted the message (attempt 1, 290 ms)',
      'byot answered Okta SUCCESSFUL (Twilio), 320 ms after the hook',
      'Twilio reported undelivered: the handset unreachable',
      'Failover to Vonage: Twilio reported the handset unreachable',
      'Vonage accepted the message (attempt 2, 150 ms)',
      'Vonage reported delivered',
      'Delivered by Vonage, 1.2 s after Okta asked',
    ]);
  });

  it('says what is pending, what failed and what was blocked', () => {
    const accepted = ledger({
      attempts: [
        {
          n: 1,
          provider: 'twilio',
          channel: 'sms',
          result: 'accepted',
          startedAt: iso(5),
          finishedAt: iso(400),
          status: 'accepted',
        },
      ],
    });
    assert.equal(
      storyLine(detail(accepted, 'pending'), meaning, t0 + 1_000),
      'Accepted by Twilio 400 ms after Okta asked; no delivery receipt yet.',
    );
    const failed = ledger({
      state: 'failed',
      reason: 'number refused for good',
      attempts: [
        {
          n: 1,
          provider: 'twilio',
          channel: 'sms',
          result: 'error',
          startedAt: iso(5),
          finishedAt: iso(60),
          errorKind: 'destination-permanent',
          errorCode: '21211',
        },
      ],
    });
    assert.equal(
      storyLine(detail(failed, 'failed'), meaning, t0 + 1_000),
      'Not sent: Twilio refused the number (21211); number refused for good.',
    );
    assert.match(
      storyLine(
        detail(ledger({}), 'blocked', {
          answer: { status: 'FAILED', at: t0 + 3, reason: 'destination-country' },
        }),
        meaning,
      ),
      /^Blocked by the fraud controls \(destination-country\): nothing was sent/,
    );
    const expired = timeline(detail(ledger({}), 'undelivered'), meaning, t0 + 400_000);
    assert.equal(expired.at(-1)?.text, 'The code expired');
  });
});
