/**
 * A tenant's fraud policy: one settings object, parsed by one zod schema. The single-org setup reads it from the
 * environment for the tenant `default` (ALLOWED_COUNTRIES, LIMIT_PER_NUMBER, …); a tenants file gives each tenant a
 * `policy:` whose camelCase keys (allowedCountries, limitPerNumber, …) override that default. Both forms go through
 * the same field schemas, so `5/15m` or `US,CA` means the same in either place.
 */
import {
  isSupportedRegion,
  OKTA_REQUEST_TYPES,
  type OktaRequestType,
  type PhoneNumberType,
  REQUEST_TYPE_LABEL,
} from '@byot/contracts';
import { z } from 'zod';
import {
  formatDuration,
  formatLimit,
  OFF_WORDS,
  parseDuration,
  parseLimit,
  type VelocityLimit,
} from './duration.ts';

/** libphonenumber's types (full metadata), plus UNKNOWN: a number in no range the metadata knows. */
export const NUMBER_TYPES = [
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
  'FIXED_LINE_OR_MOBILE',
  'FIXED_LINE',
  'MOBILE',
  'UNKNOWN',
] as const satisfies readonly (PhoneNumberType | 'UNKNOWN')[];
export type BlockableNumberType = (typeof NUMBER_TYPES)[number];

export const ANOMALY_SCOPES = ['prefix', 'range', 'country'] as const;
export type AnomalyScope = (typeof ANOMALY_SCOPES)[number];

/** `*` or a set of ISO 3166-1 alpha-2 codes. */
export type CountryList = '*' | ReadonlySet<string>;

export interface FraudPolicy {
  /** Destination countries codes may go to (`*`: all). */
  allowedCountries: CountryList;
  /** Voice calls' own list; undefined: the same as allowedCountries. */
  allowedCountriesVoice: CountryList | undefined;
  blockedNumberTypes: ReadonlySet<BlockableNumberType>;
  limitPerNumber: VelocityLimit | null;
  limitPerUser: VelocityLimit | null;
  limitPerPrefix: VelocityLimit | null;
  limitPerCountry: VelocityLimit | null;
  limitTenant: VelocityLimit | null;
  /** pre-enrollment codes (attacker-chosen numbers) count against these as well as against the limits above. */
  limitEnrollPerNumber: VelocityLimit | null;
  limitEnrollPerUser: VelocityLimit | null;
  limitEnrollPerPrefix: VelocityLimit | null;
  limitEnrollPerCountry: VelocityLimit | null;
  limitEnrollTenant: VelocityLimit | null;
  safeNumbers: ReadonlySet<string>;
  safePrefixes: readonly string[];
  /** Which destinations the anomaly hold watches (empty: off). */
  anomalyHold: ReadonlySet<AnomalyScope>;
  anomalyHoldFactor: number;
  anomalyHoldMinCodes: number;
  anomalyHoldWindowMs: number;
  anomalyHoldBaselineMs: number;
  anomalyHoldDurationMs: number;
  /** The request types the hold counts and refuses. */
  anomalyHoldRequestTypes: ReadonlySet<OktaRequestType>;
  /**
   * How long a number that got a sign-in, unlock or reset code stays known: known numbers pass holds (never the
   * limits or the country list). null: off.
   */
  anomalyHoldKnownNumbersMs: number | null;
}

// ---- field schemas: each accepts what an environment variable holds (a string) and what YAML would give ----

const listInput = z.union([z.string(), z.array(z.union([z.string(), z.number()]))]);
const toList = (value: string | (string | number)[]): string[] =>
  (Array.isArray(value) ? value.map(String) : value.split(',')).map((s) => s.trim()).filter((s) => s !== '');
const isOff = (items: string[]) =>
  items.length === 1 && OFF_WORDS.includes((items[0] as string).toLowerCase());

const countryList = listInput.transform((value, ctx): CountryList => {
  const items = toList(value).map((s) => s.toUpperCase());
  if (items.length === 1 && items[0] === '*') return '*';
  const bad = items.filter((c) => !/^[A-Z]{2}$/.test(c) || !isSupportedRegion(c));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be * or ISO 3166-1 alpha-2 codes separated by commas (e.g. US,CA,GB)${
        bad.length > 0 ? `; not a country code: ${bad.slice(0, 5).join(', ')}` : ''
      }`,
    });
    return z.NEVER;
  }
  return new Set(items);
});

const numberTypes = listInput.transform((value, ctx): ReadonlySet<BlockableNumberType> => {
  const items = toList(value).map((s) => s.toUpperCase());
  if (isOff(items)) return new Set();
  const bad = items.filter((t) => !(NUMBER_TYPES as readonly string[]).includes(t));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be "none" or number types separated by commas, of ${NUMBER_TYPES.join(', ')}${
        bad.length > 0 ? `; unknown: ${bad.slice(0, 5).join(', ')}` : ''
      }`,
    });
    return z.NEVER;
  }
  return new Set(items as BlockableNumberType[]);
});

const limit = z.union([z.string(), z.literal(false)]).transform((value, ctx): VelocityLimit | null => {
  if (value === false) return null;
  const parsed = parseLimit(value);
  if (parsed === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be N/<duration> such as 5/15m, 10/1h or 200/1d (units ms, s, m, h, d), or "off"',
    });
    return z.NEVER;
  }
  return parsed;
});

const e164Set = listInput.transform((value, ctx): ReadonlySet<string> => {
  const items = toList(value);
  if (isOff(items)) return new Set();
  const bad = items.filter((n) => !/^\+[1-9][0-9]{6,14}$/.test(n));
  if (bad.length > 0) {
    // Never echo the values: they are phone numbers.
    ctx.addIssue({
      code: 'custom',
      message: `${bad.length} of its entries are not E.164 numbers such as +14155550123`,
    });
    return z.NEVER;
  }
  return new Set(items);
});

const prefixList = listInput.transform((value, ctx): readonly string[] => {
  const items = toList(value);
  if (isOff(items)) return [];
  const bad = items.filter((n) => !/^\+[1-9][0-9]{0,13}$/.test(n));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${bad.length} of its entries are not E.164 prefixes ("+" and 1 to 14 digits, such as +4474001)`,
    });
    return z.NEVER;
  }
  return items;
});

const scopes = listInput.transform((value, ctx): ReadonlySet<AnomalyScope> => {
  const items = toList(value).map((s) => s.toLowerCase());
  if (isOff(items)) return new Set();
  const bad = items.filter((s) => !(ANOMALY_SCOPES as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be "off" or any of prefix, range, country (comma-separated)',
    });
    return z.NEVER;
  }
  return new Set(items as AnomalyScope[]);
});

const LABEL_TO_TYPE = new Map(OKTA_REQUEST_TYPES.map((t) => [REQUEST_TYPE_LABEL[t], t] as const));
const requestTypes = listInput.transform((value, ctx): ReadonlySet<OktaRequestType> => {
  const items = toList(value).map((s) => s.toLowerCase());
  if (items.length === 1 && items[0] === '*') return new Set(OKTA_REQUEST_TYPES);
  const bad = items.filter((s) => !LABEL_TO_TYPE.has(s));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must be * or request types separated by commas, of ${[...LABEL_TO_TYPE.keys()].join(', ')}`,
    });
    return z.NEVER;
  }
  return new Set(items.map((s) => LABEL_TO_TYPE.get(s) as OktaRequestType));
});

const duration = (minMs: number, maxMs: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx): number => {
    const ms = typeof value === 'number' ? value * 1000 : parseDuration(value);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as 10m, 1h or 1d, from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A duration, or "off" (null). */
const durationOrOff = (minMs: number, maxMs: number) => {
  const inner = duration(minMs, maxMs);
  return z.union([z.string(), z.number()]).transform((value, ctx): number | null => {
    if (typeof value === 'string' && OFF_WORDS.includes(value.trim().toLowerCase())) return null;
    const parsed = inner.safeParse(value);
    if (parsed.success) return parsed.data;
    ctx.addIssue({
      code: 'custom',
      message: `must be "off" or a duration such as 30d or 90d, from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
    });
    return z.NEVER;
  });
};

/** The fields without defaults: what a tenant's `policy:` may override (any subset). */
const FIELDS = {
  allowedCountries: countryList,
  allowedCountriesVoice: countryList,
  blockedNumberTypes: numberTypes,
  limitPerNumber: limit,
  limitPerUser: limit,
  limitPerPrefix: limit,
  limitPerCountry: limit,
  limitTenant: limit,
  limitEnrollPerNumber: limit,
  limitEnrollPerUser: limit,
  limitEnrollPerPrefix: limit,
  limitEnrollPerCountry: limit,
  limitEnrollTenant: limit,
  safeNumbers: e164Set,
  safePrefixes: prefixList,
  anomalyHold: scopes,
  anomalyHoldFactor: z.coerce.number().min(1.5).max(10_000),
  anomalyHoldMinCodes: z.coerce.number().int().min(2).max(1_000_000),
  anomalyHoldWindow: duration(1_000, 86_400_000),
  anomalyHoldBaseline: duration(2_000, 30 * 86_400_000),
  anomalyHoldDuration: duration(1_000, 7 * 86_400_000),
  anomalyHoldRequestTypes: requestTypes,
  anomalyHoldKnownNumbers: durationOrOff(60_000, 400 * 86_400_000),
};
type FieldName = keyof typeof FIELDS;

/**
 * Defaults, as an operator would write them, and why (README "Fraud controls" has the sources): Twilio's and
 * Vonage's premium/shared-cost classes, Keycloak's and Telnyx's per-number limits, Auth0's 10 per user per hour.
 */
export const POLICY_DEFAULTS: Readonly<Record<Exclude<FieldName, 'allowedCountriesVoice'>, string>> = {
  allowedCountries: '*',
  blockedNumberTypes: 'PREMIUM_RATE,SHARED_COST,UAN,PAGER,VOICEMAIL,PERSONAL_NUMBER',
  limitPerNumber: '5/15m',
  limitPerUser: '10/1h',
  limitPerPrefix: '30/1h',
  limitPerCountry: 'off',
  limitTenant: 'off',
  limitEnrollPerNumber: '3/1h',
  limitEnrollPerUser: '5/1h',
  limitEnrollPerPrefix: '10/1h',
  limitEnrollPerCountry: 'off',
  limitEnrollTenant: 'off',
  safeNumbers: 'none',
  safePrefixes: 'none',
  anomalyHold: 'prefix,range,country',
  anomalyHoldFactor: '10',
  anomalyHoldMinCodes: '20',
  anomalyHoldWindow: '10m',
  anomalyHoldBaseline: '24h',
  anomalyHoldDuration: '1h',
  anomalyHoldRequestTypes: 'enrollment',
  anomalyHoldKnownNumbers: '90d',
};

/** The environment variable of each field: the names the single-tenant setup is configured with. */
export const FRAUD_ENV: Readonly<Record<FieldName, string>> = {
  allowedCountries: 'ALLOWED_COUNTRIES',
  allowedCountriesVoice: 'ALLOWED_COUNTRIES_VOICE',
  blockedNumberTypes: 'BLOCKED_NUMBER_TYPES',
  limitPerNumber: 'LIMIT_PER_NUMBER',
  limitPerUser: 'LIMIT_PER_USER',
  limitPerPrefix: 'LIMIT_PER_PREFIX',
  limitPerCountry: 'LIMIT_PER_COUNTRY',
  limitTenant: 'LIMIT_TENANT',
  limitEnrollPerNumber: 'LIMIT_ENROLL_PER_NUMBER',
  limitEnrollPerUser: 'LIMIT_ENROLL_PER_USER',
  limitEnrollPerPrefix: 'LIMIT_ENROLL_PER_PREFIX',
  limitEnrollPerCountry: 'LIMIT_ENROLL_PER_COUNTRY',
  limitEnrollTenant: 'LIMIT_ENROLL_TENANT',
  safeNumbers: 'SAFE_NUMBERS',
  safePrefixes: 'SAFE_PREFIXES',
  anomalyHold: 'ANOMALY_HOLD',
  anomalyHoldFactor: 'ANOMALY_HOLD_FACTOR',
  anomalyHoldMinCodes: 'ANOMALY_HOLD_MIN_CODES',
  anomalyHoldWindow: 'ANOMALY_HOLD_WINDOW',
  anomalyHoldBaseline: 'ANOMALY_HOLD_BASELINE',
  anomalyHoldDuration: 'ANOMALY_HOLD_DURATION',
  anomalyHoldRequestTypes: 'ANOMALY_HOLD_REQUEST_TYPES',
  anomalyHoldKnownNumbers: 'ANOMALY_HOLD_KNOWN_NUMBERS',
};

/** A tenant's `policy:` in the tenants file: any subset of the camelCase keys; unknown keys are refused. */
export const fraudPolicyOverrideSchema = z.strictObject(FIELDS).partial();
export type FraudPolicyOverride = z.input<typeof fraudPolicyOverrideSchema>;
type ParsedFields = z.output<typeof fraudPolicyOverrideSchema>;

/**
 * The complete policy from any subset of fields (the rest take their defaults). Throws a ZodError naming the
 * camelCase keys; fraudPolicyFromEnv renames them to the environment's.
 */
export const fraudPolicySchema = fraudPolicyOverrideSchema.transform((input, ctx): FraudPolicy => {
  const policy = { ...defaultPolicy(), ...fieldsToPolicy(input) };
  for (const problem of policyProblems(policy)) ctx.addIssue({ code: 'custom', ...problem });
  return policy;
});

/** A tenant's policy: the deployment's default with the tenant's `policy:` keys on top, checked as a whole. */
export function mergePolicy(base: FraudPolicy, override: FraudPolicyOverride): FraudPolicy {
  const policy = { ...base, ...fieldsToPolicy(fraudPolicyOverrideSchema.parse(override)) };
  const problems = policyProblems(policy);
  if (problems.length > 0) {
    throw new z.ZodError(problems.map((p) => ({ code: 'custom' as const, input: override, ...p })));
  }
  return policy;
}

/** The default tenant's policy from the environment (FRAUD_ENV names), e.g. process.env. */
export function fraudPolicyFromEnv(env: Record<string, string | undefined>): FraudPolicy {
  const input = Object.fromEntries(
    (Object.keys(FRAUD_ENV) as FieldName[])
      .map((name) => [name, env[FRAUD_ENV[name]]] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = fraudPolicySchema.safeParse(input);
  if (result.success) return result.data;
  throw new FraudPolicyError(
    result.error.issues.map((issue) => {
      const field = issue.path[0] as FieldName | undefined;
      return `${field ? FRAUD_ENV[field] : '(fraud policy)'}: ${issue.message}`;
    }),
  );
}

export class FraudPolicyError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid fraud policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'FraudPolicyError';
    this.problems = problems;
  }
}

/** The policy as an operator reads it (GET /v1/blocks, the start-up log line): the notation they configure. */
export function describePolicy(policy: FraudPolicy): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fromPolicy(policy)).map(([k, v]) => [
      k,
      // Safe numbers are phone numbers: only their count is shown.
      k === 'safeNumbers'
        ? `${policy.safeNumbers.size} numbers`
        : v === undefined
          ? 'as allowedCountries'
          : String(v),
    ]),
  );
}

export const LIMIT_RULES = [
  'per-number',
  'per-user',
  'per-prefix',
  'per-country',
  'tenant',
  'enroll-per-number',
  'enroll-per-user',
  'enroll-per-prefix',
  'enroll-per-country',
  'enroll-tenant',
] as const;
export type LimitRule = (typeof LIMIT_RULES)[number];

const LIMIT_FIELD = {
  'per-number': 'limitPerNumber',
  'per-user': 'limitPerUser',
  'per-prefix': 'limitPerPrefix',
  'per-country': 'limitPerCountry',
  tenant: 'limitTenant',
  'enroll-per-number': 'limitEnrollPerNumber',
  'enroll-per-user': 'limitEnrollPerUser',
  'enroll-per-prefix': 'limitEnrollPerPrefix',
  'enroll-per-country': 'limitEnrollPerCountry',
  'enroll-tenant': 'limitEnrollTenant',
} as const satisfies Record<LimitRule, keyof FraudPolicy>;

/** The limit a rule enforces under this policy (null: off). */
export function limitFor(policy: FraudPolicy, rule: LimitRule): VelocityLimit | null {
  return policy[LIMIT_FIELD[rule]];
}

/**
 * The limits that apply to one request type, in evaluation order (per-number first: the script recognises a
 * duplicated hook by its eventId in that first log). pre-enrollment codes count against both sets.
 */
export function limitsFor(
  policy: FraudPolicy,
  requestType: OktaRequestType,
): { rule: LimitRule; limit: VelocityLimit }[] {
  const enroll = requestType === 'com.okta.user.telephony.pre-enrollment';
  return LIMIT_RULES.filter((rule) => enroll || !rule.startsWith('enroll-')).flatMap((rule) => {
    const limit = limitFor(policy, rule);
    return limit ? [{ rule, limit }] : [];
  });
}

// ---- internals ----

let defaults: FraudPolicy | undefined;
function defaultPolicy(): FraudPolicy {
  defaults ??= {
    allowedCountriesVoice: undefined,
    ...fieldsToPolicy(fraudPolicyOverrideSchema.parse(POLICY_DEFAULTS)),
  } as FraudPolicy;
  return defaults;
}

/** Parsed fields to policy properties (durations gain their unit); absent fields stay absent. */
function fieldsToPolicy(fields: ParsedFields): Partial<FraudPolicy> {
  const { anomalyHoldWindow, anomalyHoldBaseline, anomalyHoldDuration, anomalyHoldKnownNumbers, ...rest } =
    fields;
  const policy: Partial<FraudPolicy> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (anomalyHoldWindow !== undefined) policy.anomalyHoldWindowMs = anomalyHoldWindow;
  if (anomalyHoldBaseline !== undefined) policy.anomalyHoldBaselineMs = anomalyHoldBaseline;
  if (anomalyHoldDuration !== undefined) policy.anomalyHoldDurationMs = anomalyHoldDuration;
  if (anomalyHoldKnownNumbers !== undefined) policy.anomalyHoldKnownNumbersMs = anomalyHoldKnownNumbers;
  return policy;
}

/** A policy back in its configured notation (strings a field schema parses to the same value). */
function fromPolicy(policy: FraudPolicy): Record<FieldName, string | undefined> {
  const countries = (list: CountryList) => (list === '*' ? '*' : [...list].join(','));
  const set = (items: Iterable<string>) => [...items].join(',') || 'none';
  return {
    allowedCountries: countries(policy.allowedCountries),
    allowedCountriesVoice:
      policy.allowedCountriesVoice === undefined ? undefined : countries(policy.allowedCountriesVoice),
    blockedNumberTypes: set(policy.blockedNumberTypes),
    limitPerNumber: formatLimit(policy.limitPerNumber),
    limitPerUser: formatLimit(policy.limitPerUser),
    limitPerPrefix: formatLimit(policy.limitPerPrefix),
    limitPerCountry: formatLimit(policy.limitPerCountry),
    limitTenant: formatLimit(policy.limitTenant),
    limitEnrollPerNumber: formatLimit(policy.limitEnrollPerNumber),
    limitEnrollPerUser: formatLimit(policy.limitEnrollPerUser),
    limitEnrollPerPrefix: formatLimit(policy.limitEnrollPerPrefix),
    limitEnrollPerCountry: formatLimit(policy.limitEnrollPerCountry),
    limitEnrollTenant: formatLimit(policy.limitEnrollTenant),
    safeNumbers: set(policy.safeNumbers),
    safePrefixes: set(policy.safePrefixes),
    anomalyHold: [...policy.anomalyHold].join(',') || 'off',
    anomalyHoldFactor: String(policy.anomalyHoldFactor),
    anomalyHoldMinCodes: String(policy.anomalyHoldMinCodes),
    anomalyHoldWindow: formatDuration(policy.anomalyHoldWindowMs),
    anomalyHoldBaseline: formatDuration(policy.anomalyHoldBaselineMs),
    anomalyHoldDuration: formatDuration(policy.anomalyHoldDurationMs),
    anomalyHoldRequestTypes:
      policy.anomalyHoldRequestTypes.size === OKTA_REQUEST_TYPES.length
        ? '*'
        : [...policy.anomalyHoldRequestTypes].map((t) => REQUEST_TYPE_LABEL[t]).join(','),
    anomalyHoldKnownNumbers:
      policy.anomalyHoldKnownNumbersMs === null ? 'off' : formatDuration(policy.anomalyHoldKnownNumbersMs),
  };
}

/** What no single field can check. */
function policyProblems(policy: FraudPolicy): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  if (policy.anomalyHold.size > 0 && policy.anomalyHoldBaselineMs < 2 * policy.anomalyHoldWindowMs) {
    problems.push({
      path: ['anomalyHoldBaseline'],
      message: 'must be at least twice ANOMALY_HOLD_WINDOW (the baseline averages several windows)',
    });
  }
  if (policy.anomalyHold.size > 0 && policy.anomalyHoldRequestTypes.size === 0) {
    problems.push({ path: ['anomalyHoldRequestTypes'], message: 'must name at least one request type' });
  }
  return problems;
}
