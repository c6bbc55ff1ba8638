/**
 * The README's promise, tested: `npm start` brings the whole system up on a fresh checkout (its own Redis, the
 * simulators, ingress, workers), `npm run preview` gets a code delivered, the sandbox story plays the Okta guide
 * (`npm run okta -- setup` on the sandbox's org, a phone enrolled there, the code read in the inbox and verified),
 * and Ctrl-C stops everything, in order (the workers drain before Redis goes).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { eventually, getFreePort, nodeServiceArgs, repoRoot, startProcess } from '@byot/testkit';

const dataDir = mkdtempSync(join(tmpdir(), 'byot-start-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start + npm run preview', () => {
  it('starts everything, delivers a preview code to the sandbox inbox, and stops cleanly', async () => {
    const [port, simPort, smsHealth, voiceHealth, redisPort, oktaPort] = await Promise.all(
      Array.from({ length: 6 }, () => getFreePort()),
    );
    const env = {
      BYOT_DATA_DIR: dataDir,
      PORT: String(port),
      SIM_PORT: String(simPort),
      SMS_WORKER_HEALTH_PORT: String(smsHealth),
      VOICE_WORKER_HEALTH_PORT: String(voiceHealth),
      LOCAL_REDIS_PORT: String(redisPort),
      OKTA_SIM_PORT: String(oktaPort),
      // Okta's 30 s between two codes to one number would make the test wait; the sandbox keeps it.
      OKTA_SIM_RESEND_INTERVAL_SECONDS: '0',
      REDIS_URL: undefined,
      NO_COLOR: '1',
    };
    const system = await startProcess({
      name: 'start-all',
      args: nodeServiceArgs(join(repoRoot(), 'tools/src/start-all.ts')),
      env,
      ready: { logLine: /byot is running/ },
      readyTimeoutMs: 60_000,
    });
    const preview = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        [...nodeServiceArgs(join(repoRoot(), 'tools/src/preview.ts')), ...args],
        { env: { ...process.env, ...env, REDIS_URL: '' } },
      );
    try {
      const first = await promisify(execFile)(
        process.execPath,
        [...nodeServiceArgs(join(repoRoot(), 'tools/src/preview.ts')), '--phone', '+14155550188'],
        { env: { ...process.env, ...env, REDIS_URL: '' } },
      );
      assert.match(first.stdout, /HTTP 200/);
      assert.match(first.stdout, /"status": "SUCCESSFUL"/);
      assert.match(first.stdout, /Okta would: record delivery by TWILIO/);
      const inbox = (await (
        await fetch(`http://127.0.0.1:${simPort}/sim/messages?to=%2B14155550188`)
      ).json()) as {
        messages: unknown[];
      };
      assert.equal(inbox.messages.length, 1);
      assert.match(await (await fetch(`http://127.0.0.1:${simPort}/`)).text(), /<html/i);

      // Okta's OAuth 2.0 mode, as the banner offers it: a token from byot's token endpoint, then the hook with it.
      assert.match(system.output(), /Client ID: +byot-sandbox-okta/);
      assert.match(
        system.output(),
        new RegExp(`Token URL: +http://127\\.0\\.0\\.1:${port}/oauth2/default/v1/token`),
      );
      const oauth = await promisify(execFile)(
        process.execPath,
        [
          ...nodeServiceArgs(join(repoRoot(), 'tools/src/preview.ts')),
          '--phone',
          '+14155550187',
          '--auth',
          'oauth',
        ],
        { env: { ...process.env, ...env, REDIS_URL: '' } },
      );
      assert.match(oauth.stdout, /1\. POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/default\/v1\/token/);
      assert.match(oauth.stdout, /HTTP 200 in \d+ ms, Cache-Control: no-store/);
      assert.match(oauth.stdout, /"token_type":"Bearer"/);
      assert.match(oauth.stdout, /2\. the hook, with Authorization: Bearer/);
      assert.match(oauth.stdout, /"status": "SUCCESSFUL"/);
      // The sandbox story: set up the sandbox's Okta org as the guide does, enroll a phone, type the code back.
      const okta = (args: string[]) =>
        promisify(execFile)(
          process.execPath,
          [...nodeServiceArgs(join(repoRoot(), 'tools/src/okta/main.ts')), ...args],
          {
            env: { ...process.env, ...env, REDIS_URL: '' },
          },
        );
      const hookUrl = `http://127.0.0.1:${port}/v1/okta/telephony`;
      const setup = await okta(['setup', '--hook-url', hookUrl, '--user', 'test.user@example.com']);
      assert.match(setup.stdout, /^org http:\/\/127\.0\.0\.1:\d+ \(the sandbox's okta-sim/m);
      assert.match(setup.stdout, /created +telephony inline hook/);
      assert.doesNotMatch(setup.stdout, /OKTA_HOOK_AUTH_SECRET=/, "the sandbox's own secret is used");
      const oktaUrl = `http://127.0.0.1:${oktaPort}`;
      const sandbox = async (path: string, body: unknown) =>
        (await (
          await fetch(`${oktaUrl}/sandbox/api/${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { challenge: { id: string; sender: { by: string } }; verified?: boolean };
      const enrolled = await sandbox('enroll', {
        login: 'test.user@example.com',
        phoneNumber: '+14155550190',
      });
      assert.equal(enrolled.challenge.sender.by, 'hook');
      const code = await eventually(
        async () => {
          const sms = (await (
            await fetch(`http://127.0.0.1:${simPort}/sim/messages?to=%2B14155550190`)
          ).json()) as { messages: { body?: string }[] };
          const found = /(\d{6})/.exec(sms.messages[0]?.body ?? '')?.[1];
          assert.ok(found);
          return found;
        },
        { timeoutMs: 15_000, intervalMs: 200 },
      );
      assert.ok(code, 'the enrollment code reached the inbox');
      assert.equal((await sandbox(`challenges/${enrolled.challenge.id}/verify`, { code })).verified, true);
      assert.match((await okta(['status'])).stdout, /no drift/);
      // The guide's OAuth 2.0: the hook switches to the sandbox's client on byot's token endpoint.
      const oauthSetup = await okta(['setup', '--hook-url', hookUrl, '--auth', 'oauth']);
      assert.match(
        oauthSetup.stdout,
        /updated +telephony inline hook[\s\S]*authentication header, should be OAuth 2\.0/,
      );
      assert.doesNotMatch(
        oauthSetup.stdout,
        /OKTA_HOOK_OAUTH_CLIENT_SECRET=/,
        "the sandbox's own client is used",
      );
      const viaToken = await sandbox('sign-in', { login: 'test.user@example.com' });
      assert.equal(
        viaToken.challenge.sender.by,
        'hook',
        'okta-sim got a token from byot and the hook took it',
      );

      // The sandbox's two customer orgs (issue 13): each on its own path, its own secret or OAuth client, its own
      // Twilio subaccount, and the inbox says which tenant and account sent each message.
      for (const tenant of ['acme', 'globex']) {
        assert.match(
          system.output(),
          new RegExp(`${tenant}: +POST http://127\\.0\\.0\\.1:${port}/v1/okta/telephony/${tenant} `),
        );
        assert.match(
          system.output(),
          new RegExp(`Token URL: +http://127\\.0\\.0\\.1:${port}/oauth2/${tenant}/v1/token`),
        );
      }
      assert.match(system.output(), /Auth header: +authorization: \S{20,}/);
      const acme = await preview(['--tenant', 'acme', '--phone', '+14155550186']);
      assert.match(acme.stdout, /POST http:\/\/127\.0\.0\.1:\d+\/v1\/okta\/telephony\/acme +tenant=acme/);
      assert.match(acme.stdout, /"status": "SUCCESSFUL"/);
      const globex = await preview(['--tenant', 'globex', '--auth', 'oauth', '--phone', '+14155550185']);
      assert.match(
        globex.stdout,
        /1\. POST http:\/\/127\.0\.0\.1:\d+\/oauth2\/globex\/v1\/token .*client_id=globex-okta/,
      );
      assert.match(globex.stdout, /"status": "SUCCESSFUL"/);
      const accounts = new Set<string>();
      for (const to of ['+14155550186', '+14155550185', '+14155550188']) {
        const { messages } = (await (
          await fetch(`http://127.0.0.1:${simPort}/sim/messages?to=${encodeURIComponent(to)}`)
        ).json()) as { messages: { accountSid: string }[] };
        assert.equal(messages.length, 1, to);
        accounts.add(messages[0]?.accountSid ?? '');
      }
      assert.equal(accounts.size, 3, 'default, acme and globex each sent from their own Twilio account');
      const inboxPage = await (await fetch(`http://127.0.0.1:${simPort}/`)).text();
      assert.match(inboxPage, /acme · acme \(…[0-9a-f]{4}\)/);
      assert.match(inboxPage, /globex · globex \(…[0-9a-f]{4}\)/);
      const unknown = await preview(['--tenant', 'initech', '--phone', '+14155550184']).catch(
        (error: { code: number; stderr: string }) => error,
      );
      assert.equal((unknown as { code: number }).code, 2);
      assert.match(
        (unknown as { stderr: string }).stderr,
        /--tenant initech: not in .*tenants\.yaml \(it has/,
      );

      // The sandbox's failover demo, as the banner describes it: Twilio down, Vonage calls instead.
      const down = await fetch(`http://127.0.0.1:${simPort}/sim/faults/twilio`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ down: true }),
      });
      assert.equal(down.status, 200);
      const voice = await promisify(execFile)(
        process.execPath,
        [
          ...nodeServiceArgs(join(repoRoot(), 'tools/src/preview.ts')),
          '--phone',
          '+14155550189',
          '--channel',
          'voice',
          '--locale',
          'de-DE',
        ],
        { env: { ...process.env, ...env, REDIS_URL: '' } },
      );
      assert.match(voice.stdout, /Okta would: record delivery by VONAGE/);
      const calls = (await (
        await fetch(`http://127.0.0.1:${simPort}/sim/messages?to=%2B14155550189&channel=voice`)
      ).json()) as { messages: { provider: string; speech?: { language?: string } }[] };
      assert.equal(calls.messages[0]?.provider, 'vonage');
      assert.equal(calls.messages[0]?.speech?.language, 'de-DE');
    } finally {
      const exit = await system.stop('SIGINT', 30_000);
      assert.equal(exit.code, 0, system.output().slice(-2000));
    }
    assert.match(system.output(), /stopping/);
    // Promptly, too: the launcher stops the ingresses, then the workers drain, then the rest.
    const stoppedIn = Number(/stopped in ([\d.]+) s/.exec(system.output())?.[1]);
    assert.ok(stoppedIn < 15, `npm start stopped in ${stoppedIn} s`);
    // Ctrl-C stops everything in order: the workers drain while Redis is still up, none waits out its deadline.
    assert.doesNotMatch(system.output(), /shutdown deadline passed/);
    for (const worker of ['sms-worker', 'voice-worker']) {
      assert.match(system.output(), new RegExp(`${worker} +INFO +shutdown complete`));
    }
  });
});
