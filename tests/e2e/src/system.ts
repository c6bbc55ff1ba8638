/**
 * Test-only helpers of the end-to-end suite. The system launcher itself (startSystem, sendHook, simMessages,
 * setSimFaults) lives in @byot/testkit, shared with the chaos drills and the benchmarks.
 */
import { oktaHookSchema, spreadPhone } from '@byot/testkit';
import Ajv2020 from 'ajv/dist/2020.js';

/** Validates an answer against the JSON Schema of Okta's hook response (vendored in @byot/testkit). */
export function responseValidator(): (body: unknown) => boolean {
  const schema = oktaHookSchema();
  const ajv = new Ajv2020.default({ strict: false });
  return ajv.compile({ ...schema.$defs.response, $defs: schema.$defs });
}

let nextPhone = Math.floor(Math.random() * 500_000);
/**
 * A valid US number per test, from a running index with a random start so no two tests in a run share one (their
 * "delivered exactly once" counts would see each other's messages), each in its own 1 000-block as different
 * people's numbers are (sequential numbers would trip the fraud controls' per-prefix limit).
 */
export function testPhone(): string {
  return spreadPhone('US', nextPhone++ % 1_000_000);
}
