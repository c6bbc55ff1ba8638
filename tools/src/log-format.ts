/**
 * Turns the services' JSON log lines into one readable terminal line each. Redaction already happened in the
 * service's logger; this only picks and orders fields.
 */
const LEVEL_COLOR: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

export function formatLogLine(service: string, raw: string, color: boolean, width = 14): string {
  const name = service.padEnd(width);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return `${name} ${raw}`;
  }
  if (typeof entry !== 'object' || entry === null) return `${name} ${raw}`;
  const level = String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : '';
  const fields = Object.entries(entry)
    .filter(([key, value]) => !HIDDEN.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  const lvl = level.toUpperCase().padEnd(5);
  return color
    ? `${DIM}${time}${RESET} ${name} ${LEVEL_COLOR[level] ?? ''}${lvl}${RESET} ${String(entry.msg ?? '')} ${DIM}${fields}${RESET}`
    : `${time} ${name} ${lvl} ${String(entry.msg ?? '')} ${fields}`;
}
