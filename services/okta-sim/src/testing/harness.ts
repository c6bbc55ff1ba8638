import { createOktaSim, type OktaSim, type OktaSimOptions } from '../app.ts';
import { listenOktaSim } from '../server.ts';

/** A simulator on a free port of 127.0.0.1, for HTTP tests. */
export interface TestOktaSim {
  sim: OktaSim;
  /** The org URL (what OKTA_ORG_URL would be). */
  url: string;
  /** `SSWS <token>` for the Management API. */
  authorization: string;
  apiToken: string;
  close(): Promise<void>;
}

export const TEST_API_TOKEN = '00test-okta-sim-api-token-0123456789';

export async function startTestOktaSim(options: OktaSimOptions = {}): Promise<TestOktaSim> {
  const apiToken = options.apiToken ?? TEST_API_TOKEN;
  const sim = createOktaSim({ ...options, apiToken });
  const running = await listenOktaSim(sim, { port: 0, host: '127.0.0.1', closeGraceMs: 200 });
  return { sim, url: running.url, authorization: `SSWS ${apiToken}`, apiToken, close: running.close };
}
