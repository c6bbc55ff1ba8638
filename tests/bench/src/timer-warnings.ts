/**
 * autocannon's per-request timeout timer (its dependency retimer) re-arms itself with "time left = timeout −
 * time since the last answer", which is negative when the event loop ran late (a loaded 2-core box, the
 * vs-sync benchmark's hanging provider): Node then clamps the delay to 1 ms — fire now, which is what retimer
 * means — and prints TimeoutNegativeWarning. That one warning, from that one place, is dropped; every other warning
 * is printed as Node prints it.
 */
export function quietRetimerNegativeTimeouts(target: NodeJS.Process = process): void {
  const defaults = target.listeners('warning');
  target.removeAllListeners('warning');
  target.on('warning', (warning) => {
    if (isRetimerNegativeTimeout(warning)) return;
    for (const listener of defaults) listener.call(target, warning);
  });
}

export function isRetimerNegativeTimeout(warning: Error): boolean {
  return (
    warning.name === 'TimeoutNegativeWarning' &&
    /[/\\]node_modules[/\\]retimer[/\\]/.test(warning.stack ?? '')
  );
}
