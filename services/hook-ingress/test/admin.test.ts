import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKeyspace, createRedisConnection, createSendQueue } from '@byot/redis';
import { ByotMetrics } from '@byot/telemetry';
import { RedisServerProcess } from '@byot/testkit';
import request from 'supertest';
import { createAdminApp } from '../src/admin/admin-app.ts';
import { FailureThrottle } from '../src/auth/failure-throttle.ts';

const TOKEN = 'admin-token-for-tests-0123456789';
const SEALED = 'v1.sealed-secret-payload-never-shown';

describe('admin port', () => {
  let redis: RedisServerProcess;
  let connection: ReturnType<typeof createRedisConnection>;
  let queue: ReturnType<typeof createSendQueue>;
  const metrics = new ByotMetrics({ service: 'test', processMetrics: false });

  before(async () => {
    redis = await RedisServerProcess.start();
    connection = createRedisConnection({ url: redis.url, role: 'producer', name: 'test:admin' });
    queue = createSendQueue('sms', connection, createKeyspace('admintest', false));
    await queue.add(
      'send',
      { version: 1, eventId: 'evtAdmin1', phoneMasked: '+1••••••••23', sealed: SEALED } as never,
      {
        jobId: 'evt-evtAdmin1',
      },
    );
  });
  after(async () => {
    await queue.close();
    connection.disconnect();
    await metrics.shutdown();
    await redis.stop();
  });

  it('serves /metrics without a credential', async () => {
    metrics.hookAnswered('pending', 'mfa', 0.5);
    const app = createAdminApp({ metrics, token: TOKEN, queues: [queue], allowActions: false });
    const res = await request(app).get('/metrics').expect(200);
    assert.match(res.text, /byot_hook_answers_total\{answer="pending",request_type="mfa"\} 1/);
  });

  it('refuses the dashboard without the credential and with a wrong one', async () => {
    const app = createAdminApp({ metrics, token: TOKEN, queues: [queue], allowActions: false });
    const res = await request(app).get('/queues/api/queues').expect(401);
    assert.match(String(res.headers['www-authenticate']), /^Basic/);
    await request(app)
      .get('/queues/api/queues')
      .set('authorization', 'Bearer wrong-token-wrong-token-0000')
      .expect(401);
  });

  it('is off without ADMIN_TOKEN', async () => {
    const app = createAdminApp({ metrics, token: undefined, queues: [queue], allowActions: false });
    await request(app).get('/queues').expect(404);
  });

  it('shows the queue to Basic and Bearer, read-only, never the sealed payload', async () => {
    const app = createAdminApp({ metrics, token: TOKEN, queues: [queue], allowActions: false });
    const basic = `Basic ${Buffer.from(`ops:${TOKEN}`).toString('base64')}`;
    const list = await request(app)
      .get('/queues/api/queues?activeQueue=sms-send&status=waiting')
      .set('authorization', basic)
      .expect(200);
    assert.ok(list.text.includes('evtAdmin1'), 'the job is listed');
    assert.ok(!list.text.includes(SEALED), 'sealed payload leaked in the queue list');
    const one = await request(app)
      .get('/queues/api/queues/sms-send/evt-evtAdmin1')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(200);
    assert.ok(one.text.includes('evtAdmin1'));
    assert.ok(!one.text.includes(SEALED), 'sealed payload leaked in the job view');
    const body = JSON.parse(list.text) as { queues: { name: string; readOnlyMode: boolean }[] };
    assert.equal(body.queues.find((q) => q.name === 'sms-send')?.readOnlyMode, true);
    await request(app)
      .put('/queues/api/queues/sms-send/clean/waiting')
      .set('authorization', basic)
      .expect((r) => {
        assert.notEqual(r.status, 200);
      });
  });

  it('parses the Authorization header strictly: a credential followed by anything is refused', async () => {
    const app = createAdminApp({ metrics, token: TOKEN, queues: [queue], allowActions: false });
    const basic = Buffer.from(`ops:${TOKEN}`).toString('base64');
    for (const header of [
      `Bearer ${TOKEN} anything`,
      `Bearer  ${TOKEN}`,
      `Bearer\t${TOKEN}`,
      `Basic ${basic} ${basic}`,
      `Basic ${basic}x`,
      `Token ${TOKEN}`,
    ]) {
      await request(app).get('/queues/api/queues').set('authorization', header).expect(401);
    }
    await request(app).get('/queues/api/queues').set('authorization', `bearer ${TOKEN}`).expect(200);
  });

  it('throttles failed attempts per source address (Redis), the right token included, until the block ends', async () => {
    const throttle = new FailureThrottle({
      redis: connection,
      keyPrefix: `admintest:throttle:${Date.now()}`,
      perSource: { failures: 3, windowSeconds: 60, blockSeconds: 60 },
      perClient: { failures: 100, windowSeconds: 60, blockSeconds: 60 },
    });
    const app = createAdminApp({
      metrics,
      token: TOKEN,
      queues: [queue],
      allowActions: false,
      auth: { throttle },
    });
    for (let i = 0; i < 3; i++) {
      await request(app)
        .get('/queues/api/queues')
        .set('authorization', `Bearer wrong-${i}-0000000000000000000`)
        .expect(401);
    }
    const blocked = await request(app)
      .get('/queues/api/queues')
      .set('authorization', `Bearer ${TOKEN}`)
      .expect(429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
  });
});
