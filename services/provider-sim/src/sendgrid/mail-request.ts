import { z } from 'zod';
import { badRequestError, fieldError, type SendGridError, type SendGridErrorEntry } from './errors.ts';

/** A mail/send request that passed validation: what the inbox shows. */
export interface MailDraft {
  from: string;
  /** The first recipient of the first personalization (what `to` filters match first). */
  to: string;
  /** Every recipient (to, cc, bcc) of every personalization, in order. */
  recipients: string[];
  subject: string;
  text?: string;
  html?: string;
}

export type MailValidation = { ok: true; value: MailDraft } | { ok: false; error: SendGridError };

/** Deliberately simple: one '@', no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_PERSONALIZATIONS = 1000;

const address = z.object({ email: z.string(), name: z.string().optional() }).strict();
const personalization = z
  .object({
    to: z.array(address).min(1),
    cc: z.array(address).optional(),
    bcc: z.array(address).optional(),
    subject: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    substitutions: z.record(z.string(), z.string()).optional(),
    dynamic_template_data: z.record(z.string(), z.unknown()).optional(),
    custom_args: z.record(z.string(), z.string()).optional(),
    send_at: z.number().int().optional(),
    from: address.optional(),
  })
  .strict();

/**
 * The v3 mail/send body. Strict at the top level (an unknown key is refused, where SendGrid may ignore it);
 * settings objects are passed through without being interpreted.
 */
const MailSchema = z
  .object({
    personalizations: z.array(personalization).min(1).max(MAX_PERSONALIZATIONS),
    from: address,
    reply_to: address.optional(),
    reply_to_list: z.array(address).optional(),
    subject: z.string().optional(),
    content: z.array(z.object({ type: z.string().min(1), value: z.string() }).strict()).optional(),
    template_id: z.string().optional(),
    attachments: z.array(z.record(z.string(), z.unknown())).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    categories: z.array(z.string()).optional(),
    custom_args: z.record(z.string(), z.string()).optional(),
    sections: z.record(z.string(), z.string()).optional(),
    send_at: z.number().int().optional(),
    batch_id: z.string().optional(),
    asm: z.record(z.string(), z.unknown()).optional(),
    ip_pool_name: z.string().optional(),
    mail_settings: z.record(z.string(), z.unknown()).optional(),
    tracking_settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Validates POST /v3/mail/send after authentication, answering SendGrid's 400 with every problem found. */
export function validateMailRequest(body: unknown): MailValidation {
  const parsed = MailSchema.safeParse(body);
  if (!parsed.success) {
    return fail(
      parsed.error.issues.map((issue) => {
        const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
        return fieldError(issue.path.length === 0 ? null : dotted(issue.path), `${issue.message}${keys}`);
      }),
    );
  }
  const mail = parsed.data;
  const problems: SendGridErrorEntry[] = [];
  const recipients: string[] = [];

  if (!EMAIL.test(mail.from.email)) {
    problems.push(
      fieldError('from.email', 'The from email does not contain a valid address.', 'message.from'),
    );
  }
  mail.personalizations.forEach((p, i) => {
    for (const kind of ['to', 'cc', 'bcc'] as const) {
      (p[kind] ?? []).forEach((recipient, j) => {
        if (!EMAIL.test(recipient.email)) {
          problems.push(
            fieldError(
              `personalizations.${i}.${kind}.${j}.email`,
              'Does not contain a valid address.',
              'message.personalizations',
            ),
          );
        }
        recipients.push(recipient.email);
      });
    }
    if (p.subject === undefined && mail.subject === undefined && mail.template_id === undefined) {
      problems.push(
        fieldError(
          'subject',
          'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
          'message.subject',
        ),
      );
    }
  });
  const unique = new Set(recipients.map((r) => r.toLowerCase()));
  if (unique.size !== recipients.length) {
    problems.push(
      fieldError(
        'personalizations',
        'Each email address in the personalization block should be unique between to, cc, and bcc.',
        'message.recipient-errors',
      ),
    );
  }

  const content = mail.content ?? [];
  if (content.length === 0 && mail.template_id === undefined) {
    problems.push(
      fieldError(
        'content',
        'Unless a valid template_id is provided, the content parameter is required.',
        'message.content',
      ),
    );
  }
  content.forEach((part, i) => {
    if (part.value === '') {
      problems.push(
        fieldError(
          `content.${i}.value`,
          'The content value must be a string at least one character in length.',
          'message.content.value',
        ),
      );
    }
  });
  const plainIndex = content.findIndex((part) => part.type === 'text/plain');
  if (plainIndex > 0) {
    problems.push(
      fieldError(
        'content.0.type',
        'The text/plain content type must be first, before text/html.',
        'message.content.type',
      ),
    );
  }
  if (problems.length > 0) return fail(problems);

  // Deduplicated above, so the first recipient exists.
  const first = mail.personalizations[0]?.to[0]?.email ?? '';
  const text = content.find((part) => part.type === 'text/plain')?.value;
  const html = content.find((part) => part.type === 'text/html')?.value;
  return {
    ok: true,
    value: {
      from: mail.from.email,
      to: first,
      recipients,
      subject: mail.personalizations[0]?.subject ?? mail.subject ?? '',
      ...(text === undefined ? {} : { text }),
      ...(html === undefined ? {} : { html }),
    },
  };
}

function fail(errors: SendGridErrorEntry[]): MailValidation {
  return { ok: false, error: badRequestError(errors) };
}
