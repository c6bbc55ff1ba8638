import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { isRetimerNegativeTimeout, quietRetimerNegativeTimeouts } from './timer-warnings.ts';

function warning(name: string, stack: string): Error {
  const error = new Error('-4 is a negative number.');
  error.name = name;
  error.stack = `${name}: -4 is a negative number.\n${stack}`;
  return error;
}
const RETIMER = '    at Retimer._schedule (/repo/node_modules/retimer/retimer.js:49:19)';

describe('quietRetimerNegativeTimeouts', () => {
  it('drops only the negative-timeout warning raised inside retimer, passing every other to the defaults', () => {
    const fake = new EventEmitter() as unknown as NodeJS.Process;
    const seen: string[] = [];
    fake.on('warning', (w: Error) =>
      seen.push(`${w.name}@${w.stack?.includes('retimer') ? 'retimer' : 'ours'}`),
    );
    quietRetimerNegativeTimeouts(fake);
    fake.emit('warning', warning('TimeoutNegativeWarning', RETIMER));
    fake.emit(
      'warning',
      warning('TimeoutNegativeWarning', '    at sleep (/repo/tests/bench/src/harness.ts:1:1)'),
    );
    fake.emit('warning', warning('DeprecationWarning', RETIMER));
    assert.deepEqual(seen, ['TimeoutNegativeWarning@ours', 'DeprecationWarning@retimer']);
  });

  it('recognises the real warning Node raises for a negative delay', async () => {
    const raised = await new Promise<Error>((resolve) => {
      process.once('warning', resolve);
      setTimeout(() => {}, -4);
    });
    assert.equal(raised.name, 'TimeoutNegativeWarning');
    assert.equal(isRetimerNegativeTimeout(raised), false, 'raised outside retimer: must not be dropped');
  });
});
