/**
 * The console's token sign-in is throttled per client address (the admin API's FailureThrottle, in Redis): wrong
 * tokens past CONSOLE_SIGN_IN_MAX_FAILURES get 429 with Retry-After — even the right token while blocked — and
 * once the window has passed the right token signs in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { getFreePort, type RunningSystem, startSystem } from '@byot/testkit';

const WINDOW_SECONDS = 2;
let system: RunningSystem;
let consoleUrl: string;

before(async () => {
  const adminPort = await getFreePort();
  system = await startSystem({
    logLevel: 'info',
    ingressEnv: {
      ADMIN_PORT: String(adminPort),
      CONSOLE_SIGN_IN_MAX_FAILURES: '3',
      CONSOLE_SIGN_IN_WINDOW_SECONDS: String(WINDOW_SECONDS),
    },
  });
  consoleUrl = `http://127.0.0.1:${adminPort}/console`;
});
after(async () => {
  await system?.stop();
});

/** The sign-in form's POST, as a browser on this page sends it. */
const signIn = (token: string) =>
  fetch(`${consoleUrl}/session`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ token }),
  });

describe('token sign-in throttle', () => {
  it('answers 429 after repeated wrong tokens, and lets the right token in after the window', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await signIn(`wrong-${i}`)).status, 401, `attempt ${i + 1}`);
    const blocked = await signIn('wrong-again');
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    assert.match(await blocked.text(), /Too many wrong tokens from your address/);
    // While blocked the token is not even looked at: the right one gets the same answer.
    const rightButBlocked = await signIn(system.adminToken);
    assert.equal(rightButBlocked.status, 429);
    assert.equal(rightButBlocked.headers.get('set-cookie'), null);

    await sleep((WINDOW_SECONDS + 1) * 1000);
    const allowed = await signIn(system.adminToken);
    assert.equal(allowed.status, 303);
    assert.equal(allowed.headers.get('location'), '/console');
    assert.match(allowed.headers.get('set-cookie') ?? '', /^byot-console=[A-Za-z0-9_-]{43};.*HttpOnly/);
  });
});
