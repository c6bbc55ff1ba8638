import { SEND_JOB_IDS, type SendJob } from '@byot/contracts';
import { type EmailProvider, type ProviderSettings, providerNamed } from '@byot/providers';
import { enqueue, type SendQueue } from '@byot/redis';
import type { Escalation } from './send/shapes.ts';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The last resort: e-mail the code to the person's Okta login, when it is an e-mail address. Only when the
 * operator turned it on (EMAIL_FALLBACK), and only once every phone route has failed for good or run out of time.
 */
export function emailEscalation(
  provider: EmailProvider,
  message: { subject: string; template: string },
): Escalation {
  return {
    name: `email:${provider.name}`,
    channel: 'email',
    appliesTo: (_job, secrets) => Boolean(secrets.login && EMAIL.test(secrets.login)),
    run: (job, secrets) =>
      provider.sendEmail({
        to: secrets.login as string,
        subject: message.subject,
        text: message.template.replaceAll('{code}', secrets.otpCode),
        clientRef: job.deliveryId,
      }),
  };
}

/**
 * SMS to a landline fails for good (Twilio 21614/21635, carrier 30006), but a call would get through: hand the
 * delivery to the voice queue. The voice job has its own id, so it is not mistaken for the SMS job, and shares
 * the delivery record, so the whole chain still sends at most one code.
 */
export function landlineToVoiceEscalation(voiceQueue: SendQueue): Escalation {
  return {
    name: 'voice',
    appliesTo: (job, _secrets, failure) => job.channel === 'sms' && Boolean(failure?.suggestsVoice),
    run: async (job) => {
      const voiceJob: SendJob = { ...job, channel: 'voice' };
      await enqueue(voiceQueue, 'send', voiceJob, { jobId: SEND_JOB_IDS.voiceEscalation(job.eventId) });
      return 'handed-over';
    },
  };
}

/**
 * The e-mail last resort as configured (EMAIL_FALLBACK names a registered e-mail provider, with its settings,
 * EMAIL_SUBJECT and EMAIL_TEMPLATE), if any. Built at start: a misconfigured last resort stops the worker then,
 * not at the first failure.
 */
export async function emailEscalationsFromConfig(
  settings: ProviderSettings & { EMAIL_FALLBACK: string; EMAIL_SUBJECT: string; EMAIL_TEMPLATE: string },
): Promise<Escalation[]> {
  if (settings.EMAIL_FALLBACK === 'off') return [];
  const adapters = await providerNamed(settings.EMAIL_FALLBACK).adapters();
  if (!adapters.email) throw new Error(`EMAIL_FALLBACK=${settings.EMAIL_FALLBACK} cannot send e-mail`);
  return [
    emailEscalation(adapters.email(settings), {
      subject: settings.EMAIL_SUBJECT,
      template: settings.EMAIL_TEMPLATE,
    }),
  ];
}
