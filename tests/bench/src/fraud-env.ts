/**
 * The fraud controls' settings of the benchmarks. Benchmarks 1–7 measure the delivery path and OAuth, so their systems run
 * with every control off (their load is one person sending thousands of codes, which the controls rightly refuse);
 * benchmark 8 measures what the controls cost, on against off.
 */

/** Every control off: the check returns before touching Redis. */
export const FRAUD_OFF: Readonly<Record<string, string>> = {
  ALLOWED_COUNTRIES: '*',
  BLOCKED_NUMBER_TYPES: 'none',
  LIMIT_PER_NUMBER: 'off',
  LIMIT_PER_USER: 'off',
  LIMIT_PER_PREFIX: 'off',
  LIMIT_PER_COUNTRY: 'off',
  LIMIT_TENANT: 'off',
  LIMIT_ENROLL_PER_NUMBER: 'off',
  LIMIT_ENROLL_PER_USER: 'off',
  LIMIT_ENROLL_PER_PREFIX: 'off',
  LIMIT_ENROLL_PER_COUNTRY: 'off',
  LIMIT_ENROLL_TENANT: 'off',
  ANOMALY_HOLD: 'off',
};

/**
 * Every control on, and the heaviest path through them: a country list, the number types, all ten limits (the
 * per-country and tenant ones sized so that the benchmark's many people pass), the anomaly detector on its three
 * scopes counting every request type. The benchmark sends pre-enrollment hooks: they meet all ten limits.
 */
export const FRAUD_ALL_ON: Readonly<Record<string, string>> = {
  ALLOWED_COUNTRIES: 'US,CA,GB,DE,ES,IE,MX',
  BLOCKED_NUMBER_TYPES: 'PREMIUM_RATE,SHARED_COST,UAN,PAGER,VOICEMAIL,PERSONAL_NUMBER',
  LIMIT_PER_NUMBER: '5/15m',
  LIMIT_PER_USER: '10/1h',
  LIMIT_PER_PREFIX: '30/1h',
  LIMIT_PER_COUNTRY: '1000000/1d',
  LIMIT_TENANT: '1000000/1d',
  LIMIT_ENROLL_PER_NUMBER: '3/1h',
  LIMIT_ENROLL_PER_USER: '5/1h',
  LIMIT_ENROLL_PER_PREFIX: '10/1h',
  LIMIT_ENROLL_PER_COUNTRY: '1000000/1d',
  LIMIT_ENROLL_TENANT: '1000000/1d',
  ANOMALY_HOLD: 'prefix,range,country',
  ANOMALY_HOLD_REQUEST_TYPES: '*',
};
