import { z } from 'zod';
import { callbackUrlProblem } from '../lib/callback-url.ts';
import { parseXml, type XmlNode, XmlParseError } from '../lib/xml.ts';
import type { Speech, SpeechSegment } from '../store/records.ts';
import { type VoiceProblem, validationProblem } from './errors.ts';
import { voiceMagicProblem } from './magic-numbers.ts';

/** A call request that passed validation. Exactly one of speech (from ncco) and answerUrl is set. */
export interface CallDraft {
  to: string;
  /** Null with random_from_number. */
  from: string | null;
  speech?: Speech;
  /** The talk actions as sent (the only NCCO action the simulator understands). */
  ncco?: readonly TalkAction[];
  answerUrl?: string;
  eventUrl?: string;
  eventMethod: 'GET' | 'POST';
  ringingTimer: number;
  lengthTimer: number;
}

export type CallValidation = { ok: true; value: CallDraft } | { ok: false; problem: VoiceProblem };

const DEFAULT_LANGUAGE = 'en-US';
const DEFAULT_RINGING_SECONDS = 60;
const DEFAULT_LENGTH_SECONDS = 7200;
const LANGUAGE = /^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const VONAGE_NUMBER = /^[1-9]\d{6,14}$/;

const url = z
  .string()
  .refine((value) => callbackUrlProblem(value, { allowUnderscoreInHost: true }) === null, {
    message: 'must be an absolute http or https URL',
  });
const phoneEndpoint = z
  .object({
    type: z.literal('phone', { message: "only type 'phone' is simulated" }),
    number: z.string().regex(VONAGE_NUMBER, "must be E.164 without the leading '+' (digits only)"),
    dtmfAnswer: z
      .string()
      .regex(/^[0-9*#p]+$/)
      .optional(),
  })
  .strict();

const TalkSchema = z
  .object({
    action: z.literal('talk'),
    text: z.string().min(1).max(1500),
    language: z.string().regex(LANGUAGE, 'must be a BCP-47 language tag such as en-US').optional(),
    style: z.number().int().min(0).optional(),
    premium: z.boolean().optional(),
    loop: z.number().int().min(0).optional(),
    level: z.number().min(-1).max(1).optional(),
    bargeIn: z.boolean().optional(),
  })
  .strict();
export type TalkAction = z.infer<typeof TalkSchema>;

/**
 * Strict: an unknown field is refused (Vonage may ignore it), so that a misspelt option fails a test rather
 * than being dropped on the way to a phone.
 */
const CallSchema = z
  .object({
    to: z.array(phoneEndpoint).length(1, 'exactly one endpoint'),
    from: phoneEndpoint.omit({ dtmfAnswer: true }).optional(),
    random_from_number: z.boolean().optional(),
    ncco: z.array(z.unknown()).min(1).max(100).optional(),
    answer_url: z.array(url).length(1, 'exactly one URL').optional(),
    answer_method: z.enum(['GET', 'POST']).optional(),
    event_url: z.array(url).length(1, 'exactly one URL').optional(),
    event_method: z.enum(['GET', 'POST']).optional(),
    ringing_timer: z.number().int().min(1).max(120).optional(),
    length_timer: z.number().int().min(1).max(7200).optional(),
    machine_detection: z.enum(['continue', 'hangup']).optional(),
    advanced_machine_detection: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

interface InvalidParameter {
  name: string;
  reason: string;
}

function pathName(path: readonly PropertyKey[]): string {
  let name = '';
  for (const part of path)
    name += typeof part === 'number' ? `[${part}]` : `${name === '' ? '' : '.'}${String(part)}`;
  return name === '' ? 'body' : name;
}

function issuesToParameters(error: z.ZodError, prefix = ''): InvalidParameter[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    const name = pathName(issue.path);
    return {
      name: prefix === '' ? name : `${prefix}${name === 'body' ? '' : `.${name}`}`,
      reason: `${issue.message}${keys}`,
    };
  });
}

/** Validates the JSON body of POST /v1/calls, after authentication. */
export function validateCallRequest(body: unknown): CallValidation {
  const parsed = CallSchema.safeParse(body);
  if (!parsed.success) return fail(issuesToParameters(parsed.error));
  const call = parsed.data;
  const to = call.to[0]?.number ?? '';

  if ((call.from === undefined) === (call.random_from_number !== true)) {
    return fail([{ name: 'from', reason: 'give exactly one of from and random_from_number: true' }]);
  }
  if ((call.ncco === undefined) === (call.answer_url === undefined)) {
    return fail([{ name: 'ncco', reason: 'give exactly one of ncco and answer_url' }]);
  }

  const draft: CallDraft = {
    to,
    from: call.from?.number ?? null,
    eventMethod: call.event_method ?? 'POST',
    ringingTimer: call.ringing_timer ?? DEFAULT_RINGING_SECONDS,
    lengthTimer: call.length_timer ?? DEFAULT_LENGTH_SECONDS,
  };
  if (call.event_url?.[0] !== undefined) draft.eventUrl = call.event_url[0];
  if (call.answer_url?.[0] !== undefined) draft.answerUrl = call.answer_url[0];

  if (call.ncco !== undefined) {
    const talks: TalkAction[] = [];
    const invalid: InvalidParameter[] = [];
    call.ncco.forEach((action, index) => {
      const name = `ncco[${index}]`;
      const kind =
        typeof action === 'object' && action !== null ? (action as { action?: unknown }).action : undefined;
      if (kind !== 'talk') {
        invalid.push({
          name: `${name}.action`,
          reason: `${JSON.stringify(kind) ?? 'no action'} is not supported by the simulator (it understands talk)`,
        });
        return;
      }
      const talk = TalkSchema.safeParse(action);
      if (!talk.success) {
        invalid.push(...issuesToParameters(talk.error, name));
        return;
      }
      const ssmlProblem = talk.data.text.trimStart().startsWith('<speak') ? ssmlError(talk.data.text) : null;
      if (ssmlProblem) invalid.push({ name: `${name}.text`, reason: ssmlProblem });
      talks.push(talk.data);
    });
    if (invalid.length > 0) return fail(invalid);
    draft.ncco = talks;
    draft.speech = toSpeech(talks);
  }

  const magic = voiceMagicProblem(to);
  if (magic) return { ok: false, problem: magic };
  return { ok: true, value: draft };
}

function fail(invalid: InvalidParameter[]): CallValidation {
  return { ok: false, problem: validationProblem(invalid) };
}

function ssmlError(text: string): string | null {
  try {
    parseXml(text);
    return null;
  } catch (error) {
    if (error instanceof XmlParseError) return `SSML is not well-formed: ${error.message}`;
    throw error;
  }
}

/** What a talk action says: plain text, or the words of its SSML (<break> and tags are word boundaries). */
function spokenText(text: string): string {
  if (!text.trimStart().startsWith('<speak')) return text.replace(/\s+/g, ' ').trim();
  const words = (nodes: readonly XmlNode[]): string =>
    nodes
      .map((node) => {
        if (node.type === 'text') return node.value;
        if (node.name === 'sub') return ` ${node.attributes.get('alias') ?? words(node.children)} `;
        return ` ${words(node.children)} `;
      })
      .join('');
  return words([parseXml(text)])
    .replace(/\s+/g, ' ')
    .trim();
}

function toSpeech(talks: readonly TalkAction[]): Speech {
  const segments: SpeechSegment[] = talks.map((talk) => ({
    kind: 'say',
    text: spokenText(talk.text),
    language: talk.language ?? DEFAULT_LANGUAGE,
    voice: `style ${talk.style ?? 0}${talk.premium ? ' (premium)' : ''}`,
    loop: talk.loop ?? 1,
  }));
  const says = segments.filter((s): s is Extract<SpeechSegment, { kind: 'say' }> => s.kind === 'say');
  const first = says[0];
  return {
    text: says
      .filter((say) => say.text !== '')
      .map((say) => Array<string>(Math.max(say.loop, 1)).fill(say.text).join(' '))
      .join(' '),
    language: first?.language ?? DEFAULT_LANGUAGE,
    voice: first?.voice ?? 'style 0',
    loops: first?.loop ?? 0,
    segments,
  };
}
